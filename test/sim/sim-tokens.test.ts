import fc from "fast-check";
import t from "tap";
import { buildLogprobs, tokenize, VERDICT_FILLER_MASS } from "../../sim/sim-tokens.ts";
import { createRandom } from "../../src/core/seeded-random.ts";

t.test("tokens join back to the text", async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (text) => tokenize(text).join("") === text),
  );
  t.same(tokenize("Final verdict:\n[[A]]"), ["Final", " ", "verdict", ":", "\n", "[[", "A", "]]"]);
  t.same(tokenize("it's 3.5"), ["it", "'", "s", " ", "3", ".", "5"]);
});

t.test("logprobs: requested width, sorted, generated token included", async (t) => {
  const tokens = tokenize("Assistant A is better.\n[[B]]");
  const verdict = { index: tokens.indexOf("B"), letter: "B" as const, confidence: 0.9 };
  for (const top of [0, 1, 5, 20]) {
    const entries = buildLogprobs(tokens, top, createRandom("t", top), verdict);
    t.equal(entries.length, tokens.length);
    for (const [i, entry] of entries.entries()) {
      t.equal(entry.token, tokens[i]);
      t.equal(entry.top_logprobs.length, top);
      t.ok(entry.logprob < 0);
      t.same(entry.bytes, [...Buffer.from(entry.token)]);
      const logprobs = entry.top_logprobs.map((alt) => alt.logprob);
      t.same(
        logprobs,
        [...logprobs].sort((a, b) => b - a),
        "sorted descending",
      );
      if (top > 0) t.equal(entry.top_logprobs[0]!.token, entry.token);
      t.equal(new Set(entry.top_logprobs.map((alt) => alt.token)).size, top, "distinct tokens");
      const mass = logprobs.reduce((sum, lp) => sum + Math.exp(lp), 0);
      t.ok(mass <= 1 + 1e-9, "probabilities sum to at most 1");
    }
  }
  const wide = buildLogprobs(tokens, 5, createRandom("t"), verdict)[verdict.index]!;
  t.same(
    wide.top_logprobs.slice(0, 2).map((alt) => alt.token),
    ["B", "A"],
  );
  t.equal(Math.exp(wide.logprob), 0.9);
  t.ok(Math.abs(Math.exp(wide.top_logprobs[1]!.logprob) - (0.1 - VERDICT_FILLER_MASS)) < 1e-12);
  t.notOk(
    wide.top_logprobs.slice(2).some((alt) => /^\s*[ab]\s*$/i.test(alt.token)),
    "fillers never read as a verdict letter",
  );
});
