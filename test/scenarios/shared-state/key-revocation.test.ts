import { Redis } from "ioredis";
import { pino } from "pino";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { openKeyStore } from "../../../src/store/create-stores.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { startSharedGateways, within } from "../../helpers/shared-gateways.ts";

// Gateways cache a validated key (JURIST_KEY_CACHE_TTL_MS) to keep Redis off the hot path. The
// TTL here is a minute, so a key refused within the polling bound below can only have been
// forgotten because the revocation was announced, not because the cache entry expired.
const TTL_MS = 60_000;
const POLL_BOUND_MS = 10_000;
const quiet = pino({ level: "silent" });

/**
 * Resolves once `count` gateways listen on the revocation channel: Redis drops a message no one
 * hears, and a gateway subscribes as it starts, so the test waits instead of racing it.
 */
async function gatewaysListening(url: string, prefix: string, count: number): Promise<void> {
  const redis = new Redis(url);
  try {
    for (;;) {
      const [, listening] = (await redis.pubsub("NUMSUB", `${prefix}keys:revoked`)) as [
        string,
        number,
      ];
      if (listening >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    redis.disconnect();
  }
}

t.test(
  "a key revoked with `jurist keys revoke` is refused by another gateway at once",
  async (t) => {
    const { redis, gateways } = await startSharedGateways(t, {
      JURIST_AUTH: "required",
      JURIST_KEY_CACHE_TTL_MS: String(TTL_MS),
    });
    const [a, b] = gateways;
    const { plain, record } = generateApiKey("acme", "judge");
    await a.runtime.stores.keys.add(record);
    const modelsOnB = () =>
      b.fastify.inject({ url: "/v1/models", headers: { authorization: `Bearer ${plain}` } });
    t.equal((await modelsOnB()).statusCode, 200, "gateway B accepts the key, and caches it");
    // Gateway A's key is the same: both share the store.
    const onA = await a.fastify.inject({
      url: "/v1/models",
      headers: { authorization: `Bearer ${plain}` },
    });
    t.equal(onA.statusCode, 200);

    await gatewaysListening(redis.url, a.runtime.config.stores.redisPrefix, 2);
    // What `jurist keys revoke` does: its own connection to the same Redis.
    const cli = await openKeyStore(loadConfig({ REDIS_URL: redis.url }), quiet);
    t.ok(await cli.keys.revoke(record.id), "revoked");
    await cli.close();

    let last = 0;
    const took = await within(POLL_BOUND_MS, async () => {
      last = (await modelsOnB()).statusCode;
      return last === 401;
    });
    t.not(took, null, `B refuses the key within ${POLL_BOUND_MS} ms (last status ${last})`);
    t.comment(`refused after ${took} ms (cache TTL ${TTL_MS} ms)`);
    const refused = await modelsOnB();
    t.equal(refused.json().error.code, "UNAUTHENTICATED");
  },
);

t.test("a key revoked through gateway A's store is refused by gateway B", async (t) => {
  const { redis, gateways } = await startSharedGateways(t, {
    JURIST_AUTH: "required",
    JURIST_KEY_CACHE_TTL_MS: String(TTL_MS),
  });
  const [a, b] = gateways;
  await gatewaysListening(redis.url, a.runtime.config.stores.redisPrefix, 2);
  const { plain, record } = generateApiKey("acme", "admin");
  await a.runtime.stores.keys.add(record);
  const listOnB = () =>
    b.fastify.inject({
      url: "/v1/admin/checkpoints",
      headers: { authorization: `Bearer ${plain}` },
    });
  t.equal((await listOnB()).statusCode, 200);
  t.ok(await a.runtime.stores.keys.revoke(record.id));
  const took = await within(POLL_BOUND_MS, async () => (await listOnB()).statusCode === 401);
  t.not(took, null, `refused after ${took} ms`);
});

t.test("without Redis, a key revoked in the key file is refused at the next call", async (t) => {
  const { fastify, runtime } = await buildGateway(t, {
    JURIST_AUTH: "required",
    JURIST_KEY_CACHE_TTL_MS: String(TTL_MS),
  });
  // The CLI's store: another instance over the same keys.json, as another process would be.
  const cli = await openKeyStore(runtime.config, quiet);
  const { plain, record } = generateApiKey("acme", "judge");
  await cli.keys.add(record);
  const models = () =>
    fastify.inject({ url: "/v1/models", headers: { authorization: `Bearer ${plain}` } });
  t.equal((await models()).statusCode, 200);
  t.equal((await models()).statusCode, 200, "twice: a cache would have it now");
  t.ok(await cli.keys.revoke(record.id));
  const refused = await models();
  t.equal(refused.statusCode, 401, "no waiting: the very next call is refused");
  t.equal(refused.json().error.code, "UNAUTHENTICATED");
});

t.test("with Redis down, a state-changing admin call fails closed", async (t) => {
  // Whether any key exists decides if the call needs one: unknowable, so refused, not let in.
  const { redis, gateways } = await startSharedGateways(t, { JURIST_AUTH: "off" });
  await redis.stop(true);
  const response = await gateways[0].fastify.inject({
    method: "POST",
    url: "/v1/admin/rollback",
    payload: {},
  });
  t.equal(response.statusCode, 503, response.body);
  t.equal(response.json().error.code, "STORE_UNAVAILABLE");
});
