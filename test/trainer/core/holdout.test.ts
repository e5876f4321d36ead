import fc from "fast-check";
import t from "tap";
import {
  DEFAULT_HOLDOUT_SALT,
  holdoutKey,
  isHeldOut,
  splitHoldout,
} from "../../../trainer/core/holdout.ts";

const keys = Array.from({ length: 4000 }, (_, i) =>
  holdoutKey(`question ${i}`, [`${i}`.padStart(64, "0")]),
);

t.test("the held-out share approaches the fraction", async (t) => {
  const held = keys.filter((key) => isHeldOut(key, { fraction: 0.1 })).length;
  t.ok(Math.abs(held / keys.length - 0.1) < 0.02, `${held}/${keys.length}`);
  t.equal(keys.filter((key) => isHeldOut(key, { fraction: 0 })).length, 0);
  t.equal(keys.filter((key) => isHeldOut(key, { fraction: 1 })).length, keys.length);
});

t.test("stable: a fixed function of key, fraction and salt", async (t) => {
  const key = holdoutKey("How many cups?", ["ab".repeat(32)]);
  t.equal(key, holdoutKey("How many cups?", ["AB".repeat(32)]), "image hashes in any case");
  t.not(key, holdoutKey("How many cups?", []));
  t.match(key, /^[0-9a-f]{64}$/);
  const held = keys.filter((k) => isHeldOut(k, { fraction: 0.2 }));
  t.same(
    keys.filter((k) => isHeldOut(k, { fraction: 0.2 })),
    held,
    "same answer on every call",
  );
  const salted = keys.filter((k) => isHeldOut(k, { fraction: 0.2, salt: "other" }));
  t.not(salted.join(), held.join(), "a new salt reshuffles");
});

t.test("monotone: raising the fraction only adds prompts", async (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (a, b) => {
        const [low, high] = a < b ? [a, b] : [b, a];
        return keys
          .slice(0, 300)
          .every((k) => !isHeldOut(k, { fraction: low }) || isHeldOut(k, { fraction: high }));
      },
    ),
    { numRuns: 30 },
  );
  t.pass("property held");
});

t.test("split keeps order; bad fractions throw", async (t) => {
  const prompts = keys.slice(0, 50).map((key, i) => ({ i, key }));
  const { train, heldOut } = splitHoldout(prompts, (p) => p.key, { fraction: 0.3 });
  t.equal(train.length + heldOut.length, 50);
  t.same(
    train.map((p) => p.i),
    [...train.map((p) => p.i)].sort((x, y) => x - y),
  );
  t.ok(heldOut.every((p) => isHeldOut(p.key, { fraction: 0.3 })));
  t.throws(() => isHeldOut("k", { fraction: 1.5 }), RangeError);
  t.throws(() => isHeldOut("k", { fraction: Number.NaN }), RangeError);
});

t.test("pinned: the key and the split are the same on every machine and version", async (t) => {
  // Changing either reshuffles the held-out set, which would leak held-out prompts into training.
  const key = holdoutKey("How many cups?", ["ab".repeat(32), "CD".repeat(32)]);
  t.equal(key, "ba911e5847201f661c3872367f8e8822fee1333e28e70bdc7c9481613b9f26e5");
  // This key's point under the default salt is 0.7099023428091549: held out just above it.
  t.equal(
    isHeldOut(key, { fraction: 0.7099023428091549 }),
    false,
    "a point at the fraction trains",
  );
  t.equal(isHeldOut(key, { fraction: 0.709902342809155 }), true);
  t.equal(isHeldOut(key, { fraction: 0.709902342809155, salt: DEFAULT_HOLDOUT_SALT }), true);
  t.equal(DEFAULT_HOLDOUT_SALT, "jurist-holdout-v1");
});

t.test("no salt means the default salt", async (t) => {
  const some = keys.slice(0, 200);
  t.same(
    some.map((k) => isHeldOut(k, { fraction: 0.5 })),
    some.map((k) => isHeldOut(k, { fraction: 0.5, salt: DEFAULT_HOLDOUT_SALT })),
  );
});

t.test("a fraction outside [0, 1] is refused with its value", async (t) => {
  t.throws(() => isHeldOut("k", { fraction: -0.1 }), {
    name: "RangeError",
    message: "holdout fraction -0.1 is not in [0, 1]",
  });
});
