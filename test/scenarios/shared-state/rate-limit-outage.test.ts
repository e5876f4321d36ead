import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSharedGateways, within } from "../../helpers/shared-gateways.ts";

/**
 * While Redis is down the rate limiter cannot count: the configured choice decides. Redis keeps
 * its data across the restart (as a deployed one does): a gateway forgets its cached keys when
 * its revocation subscription reconnects, so the key must still be in Redis afterwards.
 */
for (const failOpen of [true, false]) {
  t.test(`rate limits fail ${failOpen ? "open" : "closed"} when Redis is down`, async (t) => {
    const { gateways, redis } = await startSharedGateways(
      t,
      {
        JURIST_AUTH: "required",
        JURIST_RATE_LIMIT_PER_MINUTE: "100",
        JURIST_RATE_LIMIT_FAIL_OPEN: String(failOpen),
      },
      { persistentRedis: true },
    );
    const [gateway] = gateways;
    const { plain, record } = generateApiKey("acme", "judge");
    await gateway.runtime.stores.keys.add(record);
    const judge = () =>
      gateway.fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: { ...validPairwiseBody(), cache: false },
        headers: { authorization: `Bearer ${plain}` },
      });
    t.equal((await judge()).statusCode, 200, "counted while Redis is up");
    await redis.stop(true);
    await within(3_000, () => gateway.runtime.stores.status() === "degraded");
    const during = await judge();
    if (failOpen) {
      t.equal(during.statusCode, 200, "fail open: the request goes through uncounted");
    } else {
      t.equal(during.statusCode, 503, "fail closed: refused");
      t.equal(during.json().error.code, "STORE_UNAVAILABLE");
      t.ok(during.headers["retry-after"], "with Retry-After");
    }
    // Either way, not silent: the uncounted call and the failed command are in the metrics.
    const metrics = (await gateway.fastify.inject({ url: "/metrics" })).body;
    const decision = failOpen ? "allowed" : "refused";
    t.match(
      metrics,
      new RegExp(`jurist_rate_limit_store_failures_total\\{decision="${decision}"\\} [1-9]`),
      `counted as ${decision} in jurist_rate_limit_store_failures_total`,
    );
    t.match(metrics, /jurist_redis_errors_total\{role="state",cause="connection"\} [1-9]/);
    await redis.start();
    // Back once connected, the probe passes and the last failure is 5 s old.
    await within(10_000, () => gateway.runtime.stores.status() === "ok");
    t.equal((await judge()).statusCode, 200, "counted again after Redis returns");
  });
}
