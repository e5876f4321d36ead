import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { openKeyStore } from "../../../src/store/create-stores.ts";
import { checkpoint } from "../../contracts/store/checkpoint-fixtures.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { startRedisCluster } from "../../helpers/redis-cluster.ts";
import { within } from "../../helpers/shared-gateways.ts";

/**
 * Two gateways whose both Redis roles are a real 3-master Redis Cluster
 * (`JURIST_REDIS_CLUSTER_NODES`, `JURIST_CACHE_REDIS_CLUSTER_NODES`), end to end through the
 * runtime: what issue 20 found failing against a cluster while `/readyz` said ok — the shared
 * cache, rate limits, keys (and their revocation over pub/sub), the registry, collection and
 * the trainer's consumer group — works, and `/readyz` reports both roles from a real write.
 */
t.test("two gateways on a Redis Cluster: cache, limits, keys, registry, collection", async (t) => {
  const cluster = await startRedisCluster(t);
  const sims = await startSims(t, 2);
  const nodes = cluster.nodes.join(",");
  const env = {
    JURIST_REDIS_CLUSTER_NODES: nodes,
    JURIST_CACHE_REDIS_CLUSTER_NODES: nodes,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_HEALTH_INTERVAL_MS: "200",
    JURIST_AUTH: "required",
    JURIST_RATE_LIMIT_PER_MINUTE: "20",
    JURIST_COLLECT_RATE: "1",
    JURIST_COLLECT_FLUSH_MS: "50",
  };
  const dataDir = () => mkdtempSync(join(tmpdir(), "jurist-data-"));
  const a = await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() });
  const b = await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() });
  for (const gateway of [a, b]) {
    const ok = await within(10_000, async () => {
      const report = (await gateway.fastify.inject({ url: "/readyz" })).json();
      return report.stores["redis-state"] === "ok" && report.stores["redis-cache"] === "ok";
    });
    t.not(ok, null, "both roles ok on /readyz");
  }

  const judge = generateApiKey("acme", "judge");
  const limited = generateApiKey("globex", "judge");
  await a.runtime.stores.keys.add(judge.record);
  await a.runtime.stores.keys.add(limited.record);
  const pairwise = (gateway: typeof a, plain: string, payload: object) =>
    gateway.fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      headers: { authorization: `Bearer ${plain}` },
      payload,
    });

  const body = { ...validPairwiseBody(), seed: 7 };
  const fresh = await pairwise(a, judge.plain, body);
  t.equal(fresh.statusCode, 200);
  t.equal(fresh.json().cached, false);
  let hit = await pairwise(b, judge.plain, body);
  for (let i = 0; i < 10 && !hit.json().cached; i++) hit = await pairwise(b, judge.plain, body);
  t.equal(hit.json().cached, true, "B hits the verdict A cached in the cluster");

  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) {
    const gateway = i % 2 === 0 ? a : b;
    const payload = { ...validPairwiseBody(), question: `Limited question ${i}?` };
    statuses.push((await pairwise(gateway, limited.plain, payload)).statusCode);
  }
  t.same(statuses.slice(0, 20), Array(20).fill(200), "20 a minute, counted across both gateways");
  t.equal(statuses[20], 429, "the 21st is refused");

  await a.runtime.stores.registry.register(checkpoint("cand-1"));
  t.equal((await b.runtime.stores.registry.get("cand-1"))?.id, "cand-1", "registry shared");

  const log = b.runtime.stores.promptLog;
  t.ok(
    await within(10_000, async () => (await log.length()) >= 21),
    "every distinct judged prompt collected (20 + 1; the refused one is not)",
  );
  const consumer = log.consumer({ group: "trainer", consumer: "worker-a" });
  const taken = await consumer.read(100);
  t.equal(taken.length, await log.length(), "the trainer's group reads them all");
  t.ok(taken.every((entry) => entry.record !== null));
  await consumer.ack(taken.map((entry) => entry.entryId));
  t.equal(await consumer.backlog(), 0);

  // What `jurist keys revoke` does, against the cluster: B hears it over pub/sub.
  const cli = await openKeyStore(
    loadConfig({ JURIST_REDIS_CLUSTER_NODES: nodes }),
    pino({ level: "silent" }),
  );
  t.ok(await cli.keys.revoke(judge.record.id), "revoked");
  await cli.close();
  const refused = await within(10_000, async () => {
    const response = await b.fastify.inject({
      url: "/v1/models",
      headers: { authorization: `Bearer ${judge.plain}` },
    });
    return response.statusCode === 401;
  });
  t.not(refused, null, "B refuses the revoked key");

  const metrics = (await a.fastify.inject({ url: "/metrics" })).body;
  const errors = metrics
    .split("\n")
    .filter((line) => line.startsWith("jurist_redis_errors_total{") && !line.endsWith(" 0"));
  t.same(errors, [], "no Redis command failed");
});
