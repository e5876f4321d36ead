import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { spawnSim } from "../../helpers/sim-process.ts";
import { completionsServedBy, servedBetween } from "./sim-completions.ts";

/**
 * Hedging: once calls have a latency history, one still unanswered past its p90 is sent to a
 * second replica too, and the first answer wins. A replica that hangs (a stuck GPU) then costs
 * its callers a hedge delay, not the attempt timeout, while hedges stay within the retry budget.
 */

const STALLED_VERDICTS = 12;

/** Exactly `count` verdicts, `concurrency` at a time. */
function sendVerdicts(url: string, count: number, concurrency: number) {
  const enough = new AbortController();
  let seed = 0;
  return runLoad({
    url: `${url}/v1/judge/pairwise`,
    body: () => {
      if (seed + 1 >= count) enough.abort();
      // Every request must reach a replica: no verdict cache, no prompt collection.
      return { ...validPairwiseBody(), cache: false, collect: false, seed: seed++ };
    },
    concurrency,
    durationMs: 60_000,
    signal: enough.signal,
  });
}

t.test("a stalled replica: hedges to the other one win, every verdict is a 200", async (t) => {
  const sims = await Promise.all(
    [0, 1].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "30"])),
  );
  const { url, runtime } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_DATA_DIR: t.testdir(),
      JURIST_HEDGE_PERCENTILE: "90",
      // Long enough that only a hedge can rescue a call to the stalled replica in this test.
      JURIST_ATTEMPT_TIMEOUT_MS: "20000",
      // Room for a hedge per call landing on the stalled replica: hedges are retries.
      JURIST_RETRY_BUDGET_RATIO: "0.5",
      JURIST_HEALTH_INTERVAL_MS: "500",
    },
    { listen: true },
  );

  const warmup = await sendVerdicts(url, 64, 4);
  t.same(tally(warmup), { "200": warmup.length }, `warm-up: ${warmup.length} verdicts`);

  // The replica routing prefers on a tie (lower smoothed latency) is the one to stall, so the
  // stalled phase surely sends it work.
  const [victimState] = runtime.fleet.snapshots().sort((a, b) => a.latencyMs - b.latencyMs);
  const victimIndex = sims.findIndex((sim) => sim.url === victimState!.url);
  const victim = sims[victimIndex]!;
  await victim.control({ stall: true });
  t.teardown(() => victim.control({ stall: false }).catch(() => {}));

  const before = await completionsServedBy(sims);
  const stalled = await sendVerdicts(url, STALLED_VERDICTS, 2);
  const served = servedBetween(before, await completionsServedBy(sims));
  t.same(tally(stalled), { "200": STALLED_VERDICTS }, "every verdict with one replica stalled");
  t.equal(served[victimIndex], 0, "the stalled replica answered nothing");
  t.equal(served[1 - victimIndex], 2 * STALLED_VERDICTS, "the other answered every order");

  const hedged = await runtime.metrics.registry.getSingleMetricAsString(
    "jurist_engine_hedged_requests_total",
  );
  const wonByHedge = Number(/winner="hedge"\} (\d+)/.exec(hedged)?.[1] ?? 0);
  const wonByPrimary = Number(/winner="primary"\} (\d+)/.exec(hedged)?.[1] ?? 0);
  t.comment(`hedges won by the hedge: ${wonByHedge}, by the primary: ${wonByPrimary}`);
  t.ok(wonByHedge > 0, "hedges to the healthy replica won");

  await victim.control({ stall: false });
  const after = await sendVerdicts(url, 4, 2);
  t.same(tally(after), { "200": after.length }, "after the stall lifts, verdicts still flow");
});
