import t from "tap";
import { request } from "undici";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

/**
 * Issue 20, point 3: health probes shared the completions' connection pool. Scaled down as the
 * issue measured it (4 connections, 16 calls in flight): slow completions fill every
 * connection, the rest queue in the pool, a health poll queued behind them timed out, and the
 * busy but healthy replica read as dead: verdicts failed with 503 NO_HEALTHY_REPLICA and
 * /readyz went not ready. Probes now have connections of their own, so the replica stays
 * healthy however full its completions' pool is.
 *
 * The stand-in's `/health` answers at once however many completions it runs, as vLLM's does:
 * its handler only awaits `engine_client.check_health()` (200, or 503 on EngineDeadError),
 * never the request queue (vllm/entrypoints/serve/instrumentator/health.py, vllm-project/vllm
 * at 98b137c6). So only the gateway's own queueing could fail the probe.
 *
 * The numbers: each completion takes ~800 ms (the simulator's mean, lognormal jitter), 4
 * connections answer ~5 calls/s, and 16 in flight leave ~12 queued, ~2.4 s of queue. The
 * probe timeout is 1 s (the health interval, 500 ms, raised to the fleet's 1 s floor), so a
 * probe that queued behind them could not answer in time.
 */

const CONNECTIONS = 4;
const IN_FLIGHT = 16;
/** Fast verdicts make two completions each (one per order): 8 verdicts fill 16 slots. */
const VERDICTS_AT_ONCE = IN_FLIGHT / 2;

/** Reads the simulated replica's own count of completions it is running now. */
async function simRunning(simUrl: string): Promise<number> {
  const response = await request(`${simUrl}/metrics`);
  const text = await response.body.text();
  const line = text.split("\n").find((l) => l.startsWith("vllm:num_requests_running{"));
  return Number(line?.split(" ").pop() ?? Number.NaN);
}

t.test("a saturated completions pool never marks a healthy replica down", async (t) => {
  const sim = await spawnSim(t, ["--seed", "1", "--latency-ms", "800"]);
  const { url, runtime, fastify } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sim.url,
      JURIST_DATA_DIR: t.testdir(),
      JURIST_ENGINE_CONNECTIONS: String(CONNECTIONS),
      JURIST_REPLICA_MAX_CONCURRENCY: String(IN_FLIGHT),
      JURIST_HEALTH_INTERVAL_MS: "500",
      // Calls wait for a slot rather than being shed: this test is about health, not shedding.
      JURIST_ADMISSION_WAIT_MS: "30000",
      // A loaded test machine must not shed load here either.
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    },
    { listen: true },
  );
  const replica = () => runtime.fleet.snapshots()[0]!;
  t.equal(replica().healthy, true, "the replica starts healthy");
  const checkedBefore = replica().checkedAt;

  // Watch the fleet, /readyz and the replica itself every 100 ms while the load runs.
  const seen = {
    unhealthy: 0,
    notReady: [] as number[],
    gatewayInFlight: 0,
    polledRunning: 0,
    simRunning: 0,
    samples: 0,
  };
  const stop = new AbortController();
  const watching = (async () => {
    while (!stop.signal.aborted) {
      const snapshot = replica();
      if (!snapshot.healthy) seen.unhealthy += 1;
      seen.gatewayInFlight = Math.max(seen.gatewayInFlight, snapshot.inFlight);
      seen.polledRunning = Math.max(seen.polledRunning, snapshot.running);
      seen.simRunning = Math.max(seen.simRunning, await simRunning(sim.url));
      const ready = await fastify.inject({ method: "GET", url: "/readyz" });
      if (ready.statusCode !== 200) seen.notReady.push(ready.statusCode);
      seen.samples += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  let seed = 0;
  const results = await runLoad({
    url: `${url}/v1/judge/pairwise`,
    body: () => ({
      ...validPairwiseBody(),
      mode: "fast",
      // Every verdict must reach the replica: no verdict cache, no prompt collection.
      cache: false,
      collect: false,
      seed: seed++,
    }),
    concurrency: VERDICTS_AT_ONCE,
    durationMs: 8_000,
  });
  stop.abort();
  await watching;

  t.comment(`verdicts: ${JSON.stringify(tally(results))}; ${JSON.stringify(seen)}`);
  // The scenario really happened: more calls in flight than connections, so calls queued in
  // the pool, while the replica itself never ran more than the connections carried.
  t.ok(
    seen.gatewayInFlight > CONNECTIONS,
    `the gateway held ${seen.gatewayInFlight} calls for ${CONNECTIONS} connections`,
  );
  t.ok(seen.simRunning <= CONNECTIONS, `the replica ran at most ${seen.simRunning} at once`);
  t.equal(seen.simRunning, CONNECTIONS, "every completions connection was busy at some point");

  t.same(tally(results), { "200": results.length }, "every verdict succeeded: no 503");
  t.equal(seen.unhealthy, 0, `the replica was never marked down (${seen.samples} samples)`);
  t.same(seen.notReady, [], "/readyz stayed ready throughout");
  // The polls did not just stop: they kept reading the replica, its queue included.
  t.ok(replica().checkedAt > checkedBefore, "the replica was polled during the load");
  t.ok(seen.polledRunning > 0, `the polls read the busy replica's queue (${seen.polledRunning})`);
});
