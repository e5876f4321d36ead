import t from "tap";
import { createRandom } from "../../../src/core/seeded-random.ts";
import {
  bootstrapStratumMeans,
  DEFAULT_RESAMPLES,
  groupByCategory,
} from "../../../trainer/eval/stratified-bootstrap.ts";

const strata = [
  [10, 20, 30],
  [5, 7],
];

t.test("a seeded resample, by hand", async (t) => {
  // The stream is createRandom("stratified-bootstrap", 7); each stratum draws its own size in
  // indices ⌊u·n⌋, strata in order, resample after resample. Its first ten draws are
  // 0.5285 0.1446 0.7250 | 0.9702 0.8049 || 0.6844 0.8559 0.5414 | 0.9265 0.3722, so the
  // indices are 1 0 2 | 1 1 || 2 2 1 | 1 0.
  const resampled = bootstrapStratumMeans(strata, { resamples: 2, seed: 7 });
  t.same(
    resampled.map((means) => Array.from(means)),
    [
      [(20 + 10 + 30) / 3, (7 + 7) / 2],
      [(30 + 30 + 20) / 3, (7 + 5) / 2],
    ],
  );
  t.ok(resampled.every((means) => means instanceof Float64Array && means.length === 2));

  // The same, drawn here from the stream directly, for more resamples of uneven strata.
  const uneven = [[1, 2, 4, 8, 16], [3], [100, 200]];
  const random = createRandom("stratified-bootstrap", 7);
  const byHand = Array.from({ length: 30 }, () =>
    uneven.map(
      (values) =>
        values.reduce((sum) => sum + values[Math.floor(random.next() * values.length)]!, 0) /
        values.length,
    ),
  );
  t.same(
    bootstrapStratumMeans(uneven, { resamples: 30, seed: 7 }).map((means) => Array.from(means)),
    byHand,
  );
});

t.test("the seed: default 0, and a different seed a different stream", async (t) => {
  const rows = (options?: { seed?: string | number; resamples?: number }) =>
    bootstrapStratumMeans(strata, { resamples: 2, ...options }).map((means) => Array.from(means));
  t.same(rows(), rows({ seed: 0 }));
  // Seed 0's indices: 0 0 1 | 1 1 || 1 2 2 | 1 0.
  t.same(rows(), [
    [(10 + 10 + 20) / 3, 7],
    [(20 + 30 + 30) / 3, 6],
  ]);
  t.same(rows({ seed: "x" }), [
    [(20 + 20 + 10) / 3, 5],
    [(10 + 30 + 20) / 3, 5],
  ]);
  t.same(bootstrapStratumMeans(strata, { seed: 7 }).length, DEFAULT_RESAMPLES);
});

t.test("resamples: default 2000; a positive integer or a RangeError", async (t) => {
  t.equal(DEFAULT_RESAMPLES, 2000);
  t.equal(bootstrapStratumMeans([[1]]).length, 2000);
  t.equal(bootstrapStratumMeans([[1]], { resamples: 1 }).length, 1);
  for (const resamples of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => bootstrapStratumMeans([[1]], { resamples }), {
      name: "RangeError",
      message: `resamples must be a positive integer, got ${resamples}`,
    });
  }
  t.throws(() => bootstrapStratumMeans([[1], []], { resamples: 1 }), {
    name: "RangeError",
    message: "empty stratum",
  });
  t.same(bootstrapStratumMeans([], { resamples: 2 }), [new Float64Array(0), new Float64Array(0)]);
});

t.test(
  "a stratum of one value resamples to itself; typed arrays are read like arrays",
  async (t) => {
    const rows = bootstrapStratumMeans([Float64Array.of(0.25), [2, 2, 2]], { resamples: 3 });
    t.same(
      rows.map((means) => Array.from(means)),
      [
        [0.25, 2],
        [0.25, 2],
        [0.25, 2],
      ],
    );
  },
);

t.test("groupByCategory: lower-cased names in name order, items in input order", async (t) => {
  const items = [
    { category: "Reasoning", id: 1 },
    { category: "chat", id: 2 },
    { category: "safety", id: 3 },
    { category: "CHAT", id: 4 },
    { category: "Chat-hard", id: 5 },
    { category: "reasoning", id: 6 },
    { category: "code", id: 7 },
  ];
  const groups = groupByCategory(items);
  t.same([...groups.keys()], ["chat", "chat-hard", "code", "reasoning", "safety"]);
  t.same(
    [...groups.values()].map((group) => group.map((item) => item.id)),
    [[2, 4], [5], [7], [1, 6], [3]],
  );
  t.same([...groupByCategory([]).keys()], []);
  // Code-unit order, not a locale's: "é" (U+00E9) comes after "z".
  const accented = groupByCategory([{ category: "z" }, { category: "É" }, { category: "e" }]);
  t.same([...accented.keys()], ["e", "z", "é"]);
});
