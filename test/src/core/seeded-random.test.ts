import { createHash } from "node:crypto";
import t from "tap";
import { createRandom, digestHex } from "../../../src/core/seeded-random.ts";

// Every simulated outcome, and every seeded choice of the trainer and the evaluation, draws from
// these streams: the exact values are the contract (a change re-rolls every recorded run).

/**
 * sfc32 written out independently (unsigned 32-bit words, warmed up by 12 draws), seeded like
 * createRandom: the first four big-endian words of SHA-256 over the JSON of the parts. The
 * pinned values below were also checked against a Python sfc32.
 */
function referenceStream(...parts: (string | number)[]): () => number {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  let [a, b, c, d] = [0, 4, 8, 12].map((offset) => digest.readUInt32BE(offset)) as [
    number,
    number,
    number,
    number,
  ];
  const u32 = (x: number) => x >>> 0;
  const draw = () => {
    const sum = u32(u32(a + b) + d);
    d = u32(d + 1);
    a = u32(b ^ (b >>> 9));
    b = u32(c + u32(c * 8));
    c = u32(u32(c * 2 ** 21) | (c >>> 11));
    c = u32(c + sum);
    return sum / 2 ** 32;
  };
  for (let i = 0; i < 12; i++) draw();
  return draw;
}

t.test("next: the sfc32 stream of the parts' SHA-256, pinned", async (t) => {
  const random = createRandom("seeded-random", 1);
  t.same(
    [random.next(), random.next(), random.next(), random.next()],
    [0.9853885604534298, 0.4682531168218702, 0.4845133840572089, 0.8333746723365039],
  );
  const x = createRandom("x");
  t.same(
    [x.next(), x.next(), x.next()],
    [0.057160056894645095, 0.6200456467922777, 0.9374591363593936],
  );
  for (const parts of [["seeded-random", 1], ["x"], [], [0], ["a", "b", 2.5]] as const) {
    const random = createRandom(...parts);
    const reference = referenceStream(...parts);
    const draws = Array.from({ length: 200 }, () => random.next());
    t.same(draws, Array.from({ length: 200 }, reference), `parts ${JSON.stringify(parts)}`);
    t.ok(
      draws.every((u) => u >= 0 && u < 1),
      "in [0, 1)",
    );
  }
});

t.test("the same parts give the same stream; the parts are told apart by type", async (t) => {
  const draws = (...parts: (string | number)[]) => {
    const random = createRandom(...parts);
    return Array.from({ length: 5 }, () => random.next());
  };
  t.same(draws("run", 3), draws("run", 3));
  t.not(draws("run", 3)[0], draws("run", "3")[0]);
  t.not(draws("a,b")[0], draws("a", "b")[0]);
});

t.test("digestHex: SHA-256 of the parts' JSON", async (t) => {
  t.equal(
    digestHex("seeded-random", 1),
    "fde912c59b4911f648d5b4bed33902a019358823944cab3a08832fd2133afea5",
  );
  t.equal(digestHex(), "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
  t.not(digestHex(1), digestHex("1"));
  t.not(digestHex("a,b"), digestHex("a", "b"));
});

t.test("int, uniform, chance, pick and normal: each a function of the next draw", async (t) => {
  const parts = ["derived", 7] as const;
  const random = createRandom(...parts);
  const raw = createRandom(...parts);
  const repeat = <T>(times: number, f: () => T) => Array.from({ length: times }, f);
  const ints = repeat(50, () => random.int(10));
  t.same(
    ints,
    repeat(50, () => Math.floor(raw.next() * 10)),
    "int: ⌊u·n⌋",
  );
  const uniforms = repeat(50, () => random.uniform(-2, 3));
  t.same(
    uniforms,
    repeat(50, () => -2 + 5 * raw.next()),
    "uniform: min + (max − min)·u",
  );
  // chance(p) is next() < p: a draw equal to p is a miss, and every call takes one draw.
  const atDraw = repeat(20, () => {
    const u = raw.next();
    return random.chance(u);
  });
  t.same(
    atDraw,
    repeat(20, () => false),
    "p equal to the draw misses",
  );
  const aboveDraw = repeat(20, () => {
    const u = raw.next();
    return random.chance(u + 1e-9);
  });
  t.same(
    aboveDraw,
    repeat(20, () => true),
    "p just above the draw hits",
  );
  t.same([random.chance(0), random.chance(1)], [false, true]);
  raw.next();
  raw.next();
  const items = ["a", "b", "c", "d", "e"];
  const picks = repeat(50, () => random.pick(items));
  t.same(
    picks,
    repeat(50, () => items[Math.floor(raw.next() * 5)]),
    "pick: item ⌊u·length⌋",
  );
  // Box–Muller on two draws: u = 1 − first (so never log 0), v = second.
  const normals = repeat(20, () => random.normal());
  const boxMuller = repeat(20, () => {
    const u = 1 - raw.next();
    const v = raw.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
  t.same(normals, boxMuller, "normal: Box–Muller");
  t.equal(random.next(), raw.next(), "still in step");
});

t.test("pinned derived values", async (t) => {
  const random = createRandom("seeded-random", 1);
  // First draw 0.98538…: u = 1 − it = 0.01461…; second 0.46825…
  t.equal(random.normal(), -2.849569414104639);
  t.equal(random.int(10), 4, "third draw 0.48451…");
  t.equal(random.uniform(-2, 3), 2.1668733616825193, "−2 + 5 × 0.83337…");
});

t.test("pick throws on an empty list", async (t) => {
  t.throws(() => createRandom("empty").pick([]), {
    name: "Error",
    message: "cannot pick from an empty list",
  });
  t.equal(createRandom("one").pick(["only"]), "only");
});

t.test("normal: mean 0 and variance 1 over many draws", async (t) => {
  const random = createRandom("normal-moments");
  const n = 20_000;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const z = random.normal();
    sum += z;
    squares += z * z;
  }
  const mean = sum / n;
  t.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  t.ok(Math.abs(squares / n - mean * mean - 1) < 0.05, `variance ${squares / n - mean * mean}`);
});
