import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

/**
 * A replica process is SIGKILLed in the middle of sustained load: its in-flight calls fail
 * with connection errors and must fail over to the survivors, so no client sees an error.
 */
t.test("kill 1 of 3 replicas under 32-way load: zero failed client requests", async (t) => {
  const sims = await Promise.all(
    [0, 1, 2].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "20"])),
  );
  const { url, runtime } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_HEALTH_INTERVAL_MS: "500",
    },
    { listen: true },
  );
  const victim = sims[1]!;
  const killer = setTimeout(() => void victim.kill("SIGKILL"), 10_000);
  t.teardown(() => clearTimeout(killer));

  let seed = 0;
  const results = await runLoad({
    url: `${url}/v1/judge/pairwise`,
    body: () => ({ ...validPairwiseBody(), seed: seed++ }),
    concurrency: 32,
    durationMs: 30_000,
  });

  const counts = tally(results);
  t.comment(`results: ${JSON.stringify(counts)}`);
  t.ok(results.length > 500, `sustained load (${results.length} requests)`);
  t.same(counts, { "200": results.length }, "every client request got a verdict");
  const victimState = runtime.fleet.snapshots().find((r) => r.url === victim.url);
  t.equal(victimState?.healthy, false, "the killed replica is out of rotation");
  const retried = await runtime.metrics.registry.getSingleMetricAsString(
    "jurist_engine_retries_total",
  );
  t.match(retried, /reason="connect"/, "its in-flight calls were retried elsewhere");
});
