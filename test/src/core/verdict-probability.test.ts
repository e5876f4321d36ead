import fc from "fast-check";
import t from "tap";
import type { TokenLogprob, TopLogprob } from "../../../src/core/types.ts";
import { parseVerdict } from "../../../src/core/verdict-parser.ts";
import { verdictProbability } from "../../../src/core/verdict-probability.ts";

const ln = Math.log;
const alt = (token: string, p: number): TopLogprob => ({ token, logprob: ln(p) });
const plain = (token: string): TokenLogprob => ({ token, logprob: -0.01, top: [] });

/** `Verdict: [[X]]` tokenised with the letter as its own token carrying `top`. */
function verdictTokens(letter: string, p: number, top: TopLogprob[]): TokenLogprob[] {
  return [plain("Verdict: "), plain("[["), { token: letter, logprob: ln(p), top }, plain("]]")];
}
const LETTER_AT = "Verdict: [[".length;

t.test("both letters in the top alternatives renormalise over {A, B}", async (t) => {
  const tokens = verdictTokens("A", 0.6, [alt("A", 0.6), alt("B", 0.2), alt("C", 0.1)]);
  const result = verdictProbability(tokens, LETTER_AT);
  t.equal(result?.source, "top_logprobs");
  t.ok(Math.abs((result?.probabilityA ?? 0) - 0.75) < 1e-12);
});

t.test("the index from parseVerdict lands on the letter token", async (t) => {
  const tokens = verdictTokens("B", 0.7, [alt("B", 0.7), alt("A", 0.3)]);
  const text = tokens.map((tok) => tok.token).join("");
  const parsed = parseVerdict(text, "reasoned");
  if (!parsed.ok) throw new Error(parsed.reason);
  t.ok(Math.abs((verdictProbability(tokens, parsed.index)?.probabilityA ?? 0) - 0.3) < 1e-12);
});

t.test("duplicates such as 'A' and ' A' (and case) are summed", async (t) => {
  const top = [alt("A", 0.4), alt(" A", 0.1), alt("a", 0.1), alt("B", 0.3), alt(" B ", 0.1)];
  const result = verdictProbability(verdictTokens("A", 0.4, top), LETTER_AT);
  t.ok(Math.abs((result?.probabilityA ?? 0) - 0.6) < 1e-12);
});

t.test("tokens carrying more than the letter: ' A', '[[A', 'A]]'", async (t) => {
  const spaced: TokenLogprob[] = [
    plain("Verdict:"),
    { token: " A", logprob: ln(0.8), top: [alt(" A", 0.8), alt(" B", 0.2)] },
  ];
  t.ok(Math.abs((verdictProbability(spaced, 9)?.probabilityA ?? 0) - 0.8) < 1e-12);

  const opening: TokenLogprob[] = [
    plain("Final: "),
    { token: "[[A", logprob: ln(0.7), top: [alt("[[A", 0.7), alt("[[B", 0.2), alt("[[", 0.05)] },
    plain("]]"),
  ];
  const result = verdictProbability(opening, "Final: [[".length);
  t.equal(result?.source, "top_logprobs");
  t.ok(Math.abs((result?.probabilityA ?? 0) - 0.7 / 0.9) < 1e-12);

  const closing: TokenLogprob[] = [
    plain("[["),
    { token: "B]]", logprob: ln(0.6), top: [alt("B]]", 0.6), alt("A]]", 0.3)] },
  ];
  t.ok(Math.abs((verdictProbability(closing, 2)?.probabilityA ?? 0) - 1 / 3) < 1e-12);
});

t.test("only A listed: B is bounded by the smallest listed and the remaining mass", async (t) => {
  const remainingBinds = verdictTokens("A", 0.5, [alt("A", 0.5), alt("X", 0.25), alt("Y", 0.2)]);
  const r1 = verdictProbability(remainingBinds, LETTER_AT);
  t.equal(r1?.source, "one_sided");
  t.ok(Math.abs((r1?.probabilityA ?? 0) - 0.5 / 0.55) < 1e-9, "B ≤ 1 − 0.95");

  const smallestBinds = verdictTokens("A", 0.4, [alt("A", 0.4), alt("X", 0.1), alt("Y", 0.1)]);
  const r2 = verdictProbability(smallestBinds, LETTER_AT);
  t.ok(Math.abs((r2?.probabilityA ?? 0) - 0.8) < 1e-9, "B ≤ 0.1");
});

t.test("only B listed: A is bounded the same way", async (t) => {
  const tokens = verdictTokens("B", 0.7, [alt("B", 0.7), alt("X", 0.2)]);
  const result = verdictProbability(tokens, LETTER_AT);
  t.equal(result?.source, "one_sided");
  t.ok(Math.abs((result?.probabilityA ?? 0) - 0.1 / 0.8) < 1e-9);
});

t.test("neither letter listed: the sampled verdict token is used", async (t) => {
  const tokens = verdictTokens("A", 0.15, [alt("X", 0.5), alt("Y", 0.3)]);
  const result = verdictProbability(tokens, LETTER_AT);
  t.equal(result?.source, "sampled");
  t.ok(Math.abs((result?.probabilityA ?? 0) - 0.75) < 1e-9, "B ≤ 1 − 0.95");

  const noTop = verdictProbability(verdictTokens("B", 0.9, []), LETTER_AT);
  t.equal(noTop?.source, "sampled");
  t.ok(Math.abs((noTop?.probabilityA ?? 0) - 0.1) < 1e-9, "its own logprob against the rest");
});

t.test("no probability when nothing can be read", async (t) => {
  t.equal(verdictProbability(null, 0), null, "no tokens");
  t.equal(verdictProbability([], 0), null, "empty tokens");
  const tokens = verdictTokens("A", 0.6, [alt("A", 0.6), alt("B", 0.4)]);
  t.equal(verdictProbability(tokens, 2), null, "index not on a verdict letter");
  t.equal(verdictProbability(tokens, 999), null, "index past the tokens");
  const unknown = [plain("[["), { token: "A", logprob: Number.NaN, top: [alt("X", 0.9)] }];
  t.equal(verdictProbability(unknown, 2), null, "no finite logprob for either letter");
  const impossible = [plain("[["), { token: "A", logprob: -Infinity, top: [] }];
  t.equal(verdictProbability(impossible, 2), null);
});

t.test("extreme logprobs are clamped inside (0, 1)", async (t) => {
  const sure = [plain("[["), { token: "A", logprob: 0, top: [{ token: "A", logprob: 0 }] }];
  const p = verdictProbability(sure, 2)?.probabilityA ?? Number.NaN;
  t.ok(p > 0 && p < 1, `p = ${p}`);
  const never = [
    plain("[["),
    {
      token: "B",
      logprob: 0,
      top: [
        { token: "B", logprob: 0 },
        { token: "A", logprob: -5000 },
      ],
    },
  ];
  const q = verdictProbability(never, 2)?.probabilityA ?? Number.NaN;
  t.ok(q > 0 && q < 1e-5, `q = ${q}`);
});

t.test("property: any logprobs give null or a finite probability in (0, 1)", async () => {
  const logprob = fc.oneof(
    fc.double({ min: -1e4, max: 0, noNaN: true }),
    fc.constantFrom(Number.NaN, -Infinity, Infinity, 0.5),
  );
  const topEntry = fc.record({ token: fc.constantFrom("A", " B", "b", "X", "[[A"), logprob });
  fc.assert(
    fc.property(
      fc.constantFrom("A", "B"),
      logprob,
      fc.array(topEntry, { maxLength: 6 }),
      (l, lp, top) => {
        const result = verdictProbability([plain("[["), { token: l, logprob: lp, top }], 2);
        if (result === null) return true;
        const p = result.probabilityA;
        return Number.isFinite(p) && p > 0 && p < 1;
      },
    ),
  );
});
