import t from "tap";
import { promptContentHash, samplingPoint, tenantRate } from "../../../src/collection/sampling.ts";

t.test("the content hash ignores the tenant and separates its parts", async (t) => {
  const hash = promptContentHash("q", ["a"], ["x", "y"]);
  t.match(hash, /^[0-9a-f]{64}$/);
  t.equal(promptContentHash("q", ["a"], ["x", "y"]), hash);
  t.not(promptContentHash("q", ["a"], ["xy", ""]), hash, "no ambiguity from concatenation");
  t.not(promptContentHash("q", [], ["x", "y"]), hash);
});

t.test("sampling points are uniform in [0, 1) and differ by tenant", async (t) => {
  const points = Array.from({ length: 4_000 }, (_, i) => samplingPoint("acme", `hash-${i}`));
  t.ok(points.every((p) => p >= 0 && p < 1));
  const deciles = new Array(10).fill(0);
  for (const p of points) deciles[Math.floor(p * 10)]++;
  // 400 expected per decile; sd ≈ 19.
  t.ok(
    deciles.every((n) => Math.abs(n - 400) < 80),
    `deciles ${deciles}`,
  );
  t.not(samplingPoint("acme", "h"), samplingPoint("globex", "h"));
});

t.test("tenant rates override the default, and only own keys count", async (t) => {
  const rates = { quiet: 0, loud: 1 };
  t.equal(tenantRate("quiet", 0.3, rates), 0);
  t.equal(tenantRate("loud", 0.3, rates), 1);
  t.equal(tenantRate("other", 0.3, rates), 0.3);
  t.equal(tenantRate("constructor", 0.3, rates), 0.3);
  t.equal(tenantRate("__proto__", 0.3, rates), 0.3);
});
