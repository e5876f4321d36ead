import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { spawnSim } from "../../helpers/sim-process.ts";
import { completionsServedBy, servedBetween } from "./sim-completions.ts";

/**
 * Requests reach only replicas that serve their checkpoint: a pin goes to the replica serving
 * it, the champion to the champion's replicas, an unknown pin is a 404, and a replica that
 * switches model stops getting the old model's requests once a poll has seen the switch.
 * Fast-mode verdicts make exactly two completions each (one per order, no re-asks), so the
 * counts are exact.
 */
t.test("pinned checkpoints and the champion reach only the replicas serving them", async (t) => {
  const [a, b] = await Promise.all([
    spawnSim(t, ["--seed", "0", "--latency-ms", "5", "--model", "jurist-sim-a"]),
    spawnSim(t, ["--seed", "1", "--latency-ms", "5", "--model", "jurist-sim-b"]),
  ]);
  const sims = [a!, b!];
  const { url, runtime } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      // Its own registry: a champion left in the shared ./data by another run must not leak in.
      JURIST_DATA_DIR: t.testdir(),
      JURIST_CHAMPION: "jurist-sim-a",
      // Polls come only from pollNow below, so the test decides when a switch is seen.
      JURIST_HEALTH_INTERVAL_MS: "600000",
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    },
    { listen: true },
  );
  let seed = 0;
  /** Runs 8-way load for `checkpoint`; resolves to the tally and what each sim served. */
  const judgeFor = async (checkpoint: string | undefined) => {
    const before = await completionsServedBy(sims);
    const results = await runLoad({
      url: `${url}/v1/judge/pairwise`,
      body: () => ({ ...validPairwiseBody(), mode: "fast", checkpoint, seed: seed++ }),
      concurrency: 8,
      durationMs: 1_000,
    });
    const served = servedBetween(before, await completionsServedBy(sims));
    t.comment(`${checkpoint ?? "champion"}: ${JSON.stringify(tally(results))}; (a, b) ${served}`);
    return { counts: tally(results), verdicts: results.length, served };
  };

  const pinnedB = await judgeFor("jurist-sim-b");
  t.same(pinnedB.counts, { "200": pinnedB.verdicts }, "pinned verdicts succeed");
  t.same(pinnedB.served, [0, 2 * pinnedB.verdicts], "jurist-sim-b requests reach only b");

  const champion = await judgeFor(undefined);
  t.same(champion.counts, { "200": champion.verdicts }, "champion verdicts succeed");
  t.same(champion.served, [2 * champion.verdicts, 0], "champion requests reach only a");

  const unknown = await judgeFor("jurist-sim-nope");
  t.same(unknown.counts, { "404 NOT_FOUND": unknown.verdicts }, "an unknown pin is a 404");
  t.same(unknown.served, [0, 0], "and reaches no replica");

  // b now serves the champion's model instead of its own.
  await b!.control({ model_id: "jurist-sim-a" });
  await runtime.fleet.pollNow();
  const bState = runtime.fleet.snapshots().find((r) => r.url === b!.url);
  t.same(
    bState?.models.map((m) => m.id),
    ["jurist-sim-a"],
    "the poll saw b switch models",
  );
  const calls = () =>
    runtime.metrics.registry.getSingleMetricAsString("jurist_engine_requests_total");
  const callsBefore = await calls();
  const oldId = await judgeFor("jurist-sim-b");
  t.same(oldId.counts, { "404 NOT_FOUND": oldId.verdicts }, "the old id is no longer served");
  t.equal(await calls(), callsBefore, "no engine call was made for it: b got none");
  const after = await judgeFor(undefined);
  t.same(after.counts, { "200": after.verdicts }, "champion verdicts succeed");
  t.equal(after.served[0]! + after.served[1]!, 2 * after.verdicts, "two completions a verdict");
  t.ok(after.served[1]! > 0, "b now gets champion requests");
});
