import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { startSharedGateways, within } from "../../helpers/shared-gateways.ts";

/**
 * Redis stopped under load and restarted: judging never fails, readiness says `degraded`
 * meanwhile, collection buffers within its bound and drains after, and every sampled prompt is
 * accounted for as appended, duplicate or dropped.
 */
t.test("Redis down under load: zero failed judge requests, degraded, then drained", async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.teardown(() => process.off("unhandledRejection", onUnhandled));

  const { redis, gateways } = await startSharedGateways(
    t,
    {
      JURIST_COLLECT_RATE: "1",
      JURIST_COLLECT_MAX_BUFFER: "60",
      JURIST_COLLECT_FLUSH_MS: "50",
      JURIST_REGISTRY_REFRESH_MS: "200",
    },
    { persistentRedis: true },
  );
  const [gateway] = gateways;
  await gateway.fastify.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(gateway.fastify.server.address() as { port: number }).port}`;
  const readiness = async () =>
    (await gateway.fastify.inject({ method: "GET", url: "/readyz" })).json();

  let seed = 0;
  const load = runLoad({
    url: `${url}/v1/judge/pairwise`,
    body: () => ({ ...validPairwiseBody(), question: `Question number ${seed++}?` }),
    concurrency: 8,
    durationMs: 9_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await redis.stop(true);
  const degraded = await within(
    3_000,
    async () => (await readiness()).stores["redis-state"] === "degraded",
  );
  t.not(degraded, null, "/readyz reports the store degraded");
  const whileDown = await readiness();
  t.equal(whileDown.status, "ready", "judging stays ready while Redis is down");
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await redis.start();
  const results = await load;

  const counts = tally(results);
  t.comment(`results: ${JSON.stringify(counts)}`);
  t.same(counts, { "200": results.length }, `all ${results.length} judge requests succeeded`);
  t.not(
    await within(5_000, async () => (await readiness()).stores["redis-state"] === "ok"),
    null,
    "ok again",
  );
  const collector = await within(5_000, () =>
    gateway.runtime.metrics.registry
      .getSingleMetricAsString("jurist_collection_buffered")
      .then((text) => / 0$/m.test(text)),
  );
  t.not(collector, null, "the buffer drained after recovery");

  const counter = await gateway.runtime.metrics.registry
    .getSingleMetric("jurist_collection_prompts_total")!
    .get();
  const sum = (event: string) =>
    counter.values.filter((v) => v.labels.event === event).reduce((total, v) => total + v.value, 0);
  const sampled = sum("sampled");
  const appended = sum("appended");
  const duplicates = sum("duplicate");
  const dropped = sum("dropped");
  t.comment(JSON.stringify({ sampled, appended, duplicates, dropped }));
  t.ok(dropped > 0, "the outage outlasted the buffer: some records were dropped");
  t.equal(sampled, appended + duplicates + dropped, "every sampled prompt is accounted for");
  const length = await gateway.runtime.stores.promptLog.length();
  t.equal(length, appended, `the stream holds every appended record (${length}; AOF kept them)`);
  t.same(unhandled, [], "no unhandled rejection");
});
