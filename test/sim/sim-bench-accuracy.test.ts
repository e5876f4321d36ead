import t from "tap";
import { namesChosen, rate, simBenchItems } from "./bench-judging.ts";
import { startSim } from "./sim-client.ts";

/**
 * The simulated bench's labels and the simulated judge agree: a replica of accuracy a and no
 * position bias, judging each item once over real HTTP, names the chosen response at rate ≈ a
 * on every file. With 100 items per file the rate's standard error is about 0.05 per file and
 * 0.026 overall; the bands are generous, and the run is deterministic for its seeds anyway.
 */

t.test("a replica of accuracy a names the chosen response at rate ≈ a", async (t) => {
  const items = await simBenchItems(t.testdir(), 100);
  const sim = await startSim(t, { accuracy: 0.7, positionBias: 0, seed: 4 });
  const hits = await namesChosen(sim, "jurist-sim-judge", items);
  const overall = rate(hits);
  t.ok(Math.abs(overall - 0.7) < 0.08, `overall ${overall.toFixed(3)} ≈ 0.7`);
  for (const benchmark of ["vlrb", "mmrb", "jurist"]) {
    const own = hits.filter((_, i) => items[i]!.benchmark === benchmark);
    t.ok(Math.abs(rate(own) - 0.7) < 0.15, `${benchmark}: ${rate(own).toFixed(3)} ≈ 0.7`);
  }
});

t.test("a perfect replica names the chosen response on every item", async (t) => {
  const items = await simBenchItems(t.testdir(), 40, 9);
  const sim = await startSim(t, { accuracy: 1, positionBias: 0 });
  const hits = await namesChosen(sim, "jurist-sim-judge", items);
  t.same(
    items.filter((_, i) => !hits[i]).map((item) => item.id),
    [],
  );
});
