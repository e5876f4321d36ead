import t from "tap";
import { hashHex, seededIndex, unitPoint } from "../../../trainer/core/seeded-hash.ts";

t.test("deterministic and unambiguous", async (t) => {
  t.equal(hashHex("a", 1), hashHex("a", 1));
  t.not(hashHex("a1"), hashHex("a", 1));
  t.not(hashHex("1"), hashHex(1));
  t.equal(unitPoint("x"), unitPoint("x"));
});

t.test("points lie in [0, 1) and indices in [0, n)", async (t) => {
  const counts = [0, 0, 0, 0];
  const points = Array.from({ length: 2000 }, (_, i) => unitPoint("p", i));
  t.ok(points.every((point) => point >= 0 && point < 1));
  for (let i = 0; i < 2000; i++) counts[seededIndex(4, "i", i)]!++;
  t.ok(
    counts.every((c) => c > 400),
    counts.join(),
  );
  t.throws(() => seededIndex(0, "x"), RangeError);
  t.throws(() => seededIndex(1.5, "x"), RangeError);
});

t.test("one item is always index 0; no items or a fractional count are refused", async (t) => {
  for (let i = 0; i < 20; i++) t.equal(seededIndex(1, "only", i), 0);
  t.throws(() => seededIndex(0, "x"), { name: "RangeError", message: "cannot pick among 0 items" });
  t.throws(() => seededIndex(-2, "x"), RangeError);
});
