import fc from "fast-check";
import t from "tap";
import type { JudgeMode, TokenLogprob, TopLogprob } from "../../../src/core/types.ts";
import { parseVerdict } from "../../../src/core/verdict-parser.ts";
import { MASKED_LOGPROB, verdictProbability } from "../../../src/core/verdict-probability.ts";
import { plain, plains, QWEN_EOS, splitCharacter } from "./vllm-logprob-tokens.ts";

const ln = Math.log;
const alt = (token: string, p: number): TopLogprob => ({ token, logprob: ln(p) });
const masked = (token: string): TopLogprob => ({ token, logprob: MASKED_LOGPROB });
const close = (a: number | undefined, b: number, eps = 1e-9) =>
  Math.abs((a ?? Number.NaN) - b) < eps;

/** `Verdict: [[X]]` tokenised with the letter as its own token carrying `top`. */
function verdictTokens(letter: string, p: number, top: TopLogprob[]): TokenLogprob[] {
  return [plain("Verdict: "), plain("[["), { token: letter, logprob: ln(p), top }, plain("]]")];
}

/** The probability for `tokens` returned with `content` (the joined tokens unless given). */
function read(tokens: TokenLogprob[] | null, content?: string, mode: JudgeMode = "reasoned") {
  const text = content ?? (tokens ?? []).map((tok) => tok.token).join("");
  const parsed = parseVerdict(text, mode);
  if (!parsed.ok) throw new Error(parsed.reason);
  return verdictProbability(tokens, { text, mode, slot: parsed.slot, index: parsed.index });
}

t.test("both letters in the top alternatives renormalise over {A, B}", async (t) => {
  const result = read(verdictTokens("A", 0.6, [alt("A", 0.6), alt("B", 0.2), alt("C", 0.1)]));
  t.equal(result?.source, "top_logprobs");
  t.ok(close(result?.probabilityA, 0.75));
});

t.test("duplicates such as 'A' and ' A' (and case) are summed", async (t) => {
  const top = [alt("A", 0.4), alt(" A", 0.1), alt("a", 0.1), alt("B", 0.3), alt(" B ", 0.1)];
  t.ok(close(read(verdictTokens("A", 0.4, top))?.probabilityA, 0.6));
});

t.test("tokens carrying more than the letter: ' A', '[[A', 'A]]', '[[A]]'", async (t) => {
  const spaced = [
    plain("Verdict: [["),
    { token: " A", logprob: ln(0.8), top: [alt(" A", 0.8), alt(" B", 0.2)] },
    plain("]]"),
  ];
  t.ok(close(read(spaced)?.probabilityA, 0.8));

  const opening = [
    plain("Final: "),
    { token: "[[A", logprob: ln(0.7), top: [alt("[[A", 0.7), alt("[[B", 0.2), alt("[[", 0.05)] },
    plain("]]"),
  ];
  const result = read(opening);
  t.equal(result?.source, "top_logprobs");
  t.ok(close(result?.probabilityA, 0.7 / 0.9));

  const closing = [
    plain("[["),
    { token: "B]]", logprob: ln(0.6), top: [alt("B]]", 0.6), alt("A]]", 0.3)] },
  ];
  t.ok(close(read(closing)?.probabilityA, 1 / 3));

  const whole = [
    plain("So: "),
    { token: "[[A]]", logprob: ln(0.9), top: [alt("[[A]]", 0.9), alt("[[B]]", 0.1)] },
  ];
  t.ok(close(read(whole)?.probabilityA, 0.9));
});

t.test("only A listed: B is bounded by the smallest listed and the remaining mass", async (t) => {
  const remainingBinds = verdictTokens("A", 0.5, [alt("A", 0.5), alt("X", 0.25), alt("Y", 0.2)]);
  const r1 = read(remainingBinds);
  t.equal(r1?.source, "one_sided");
  t.ok(close(r1?.probabilityA, 0.5 / 0.55), "B ≤ 1 − 0.95");

  const smallestBinds = verdictTokens("A", 0.4, [alt("A", 0.4), alt("X", 0.1), alt("Y", 0.1)]);
  t.ok(close(read(smallestBinds)?.probabilityA, 0.8), "B ≤ 0.1");
});

t.test("only B listed: A is bounded the same way", async (t) => {
  const result = read(verdictTokens("B", 0.7, [alt("B", 0.7), alt("X", 0.2)]));
  t.equal(result?.source, "one_sided");
  t.ok(close(result?.probabilityA, 0.1 / 0.8));
});

t.test("neither letter listed: the sampled verdict token is used", async (t) => {
  const result = read(verdictTokens("A", 0.15, [alt("X", 0.5), alt("Y", 0.3)]));
  t.equal(result?.source, "sampled");
  t.ok(close(result?.probabilityA, 0.75), "B ≤ 1 − 0.95");

  const noTop = read(verdictTokens("B", 0.9, []));
  t.equal(noTop?.source, "sampled");
  t.ok(close(noTop?.probabilityA, 0.1), "its own logprob against the rest");
});

t.test(
  "the sampled token, listed first whatever its rank, does not bound the missing letter",
  async (t) => {
    // vllm/logprobs.py append_logprobs_for_next_position (v1 engine, vLLM main as indexed in
    // 2026; earlier releases not checked) builds {sampled, top1..topk} and
    // chat_completion/serving.py _get_top_logprobs keeps the first k: a sampled token outside
    // the top k comes first and the k-th alternative (here perhaps B, at most 0.18) is dropped.
    const top = [alt("A", 0.02), alt("X", 0.5), alt("Y", 0.3)];
    const result = read(verdictTokens("A", 0.02, top));
    t.equal(result?.source, "one_sided");
    t.ok(close(result?.probabilityA, 0.02 / (0.02 + 0.18)), "B ≤ 1 − 0.82, not ≤ 0.02");
  },
);

t.test("no probability when nothing can be read", async (t) => {
  t.equal(read(null, "Verdict: [[A]]"), null, "no tokens");
  t.equal(read([], "Verdict: [[A]]"), null, "empty tokens");
  const noMarker = plains("Verdict: A", QWEN_EOS);
  t.equal(read(noMarker, "Verdict: [[A]]"), null, "no marker in the tokens");
  const otherLabel = verdictTokens("B", 0.6, [alt("A", 0.4), alt("B", 0.6)]);
  t.equal(read(otherLabel, "Verdict: [[A]]"), null, "the tokens' marker says B: no guess");
  const unknown = [
    plain("[["),
    { token: "A", logprob: Number.NaN, top: [alt("X", 0.9)] },
    plain("]]"),
  ];
  t.equal(read(unknown), null, "no finite logprob for either letter");
  const impossible = [plain("[["), { token: "A", logprob: -Infinity, top: [] }, plain("]]")];
  t.equal(read(impossible), null);
});

t.test("extreme logprobs are clamped inside (0, 1)", async (t) => {
  const sure = [
    plain("[["),
    { token: "A", logprob: 0, top: [{ token: "A", logprob: 0 }] },
    plain("]]"),
  ];
  const p = read(sure)?.probabilityA ?? Number.NaN;
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
    plain("]]"),
  ];
  const q = read(never)?.probabilityA ?? Number.NaN;
  t.ok(q > 0 && q < 1e-5, `q = ${q}`);
});

// Real vLLM token lists: see vllm-logprob-tokens.ts for the vLLM source each shape follows.

t.test(
  "issue 17: a 3-byte character split into 3 tokens before [[A]] keeps its probability",
  async (t) => {
    const letter = { token: "A", logprob: ln(0.8), top: [alt("A", 0.8), alt("B", 0.15)] };
    const content = "Assistant A names the 猫 correctly.\n\n[[A]]";
    for (const decoding of ["replacement", "empty", "joined"] as const) {
      const tokens = [
        ...plains("Assistant", " A", " names", " the", " "),
        ...plains(...splitCharacter("猫", decoding)),
        ...plains(" correctly", ".\n\n", "[["),
        letter,
        ...plains("]]", QWEN_EOS),
      ];
      const result = read(tokens, content);
      t.ok(close(result?.probabilityA, 0.8 / 0.95), `${decoding}: ${result?.probabilityA}`);
    }
  },
);

t.test("empty tokens and replacement characters around the marker do not move it", async (t) => {
  const letter = { token: " B", logprob: ln(0.6), top: [alt(" B", 0.6), alt(" A", 0.3)] };
  const content = "é 😀 — fine.\n[[ B]]";
  const tokens = [
    ...plains(...splitCharacter("é", "replacement"), "", " "),
    ...plains(...splitCharacter("😀", "replacement"), " ", ...splitCharacter("—", "empty")),
    ...plains(" fine", ".\n", "", "[["),
    letter,
    ...plains("", "]]", "", QWEN_EOS),
  ];
  t.ok(close(read(tokens, content)?.probabilityA, 1 / 3));
});

t.test("the stop token's text appended to the token list is ignored", async (t) => {
  const tokens = [...verdictTokens("A", 0.7, [alt("A", 0.7), alt("B", 0.3)]), plain(QWEN_EOS)];
  t.ok(close(read(tokens, "Verdict: [[A]]")?.probabilityA, 0.7));
});

t.test(
  "a reasoning prefix in the tokens, with its own [[B]], does not change the answer",
  async (t) => {
    // With --reasoning-parser the reasoning is in the logprobs but not in message.content.
    const reasoningB = { token: "B", logprob: ln(0.9), top: [alt("B", 0.9), alt("A", 0.1)] };
    const letter = { token: "A", logprob: ln(0.65), top: [alt("A", 0.65), alt("B", 0.35)] };
    const tokens = [
      ...plains("<think>", "Maybe", " [[", ...splitCharacter("✓", "replacement")),
      reasoningB,
      ...plains("]]", "?", " No", ".", "</think>", "\n\n", "Final", ": ", "[["),
      letter,
      ...plains("]]", QWEN_EOS),
    ];
    t.ok(close(read(tokens, "Final: [[A]]")?.probabilityA, 0.65));
  },
);

t.test(
  "markers after the chosen one (quoted) are counted, so the chosen one is read",
  async (t) => {
    const letter = { token: "A", logprob: ln(0.7), top: [alt("A", 0.7), alt("B", 0.1)] };
    const quotedB = { token: "B", logprob: ln(0.99), top: [alt("B", 0.99), alt("A", 0.01)] };
    const content = 'Verdict: [[A]]\nI did not write "[[B]]" — ça va.';
    const tokens = [
      ...plains("Verdict", ": ", "[["),
      letter,
      ...plains("]]", "\n", "I", " did", " not", " write", ' "[['),
      quotedB,
      ...plains(
        ']]"',
        " ",
        ...splitCharacter("—", "replacement"),
        " ",
        ...splitCharacter("ç", "joined"),
      ),
      ...plains("a", " va", ".", QWEN_EOS),
    ];
    t.ok(close(read(tokens, content)?.probabilityA, 0.7 / 0.8));
  },
);

t.test("fast mode reads the single constrained token", async (t) => {
  // Under structured_outputs.choice / guided_choice the grammar masks every other token: vLLM
  // reports them at -9999.0 (chat_completion/serving.py _get_top_logprobs).
  const constrained = {
    token: "B",
    logprob: ln(0.8),
    top: [alt("B", 0.8), alt("A", 0.2), masked(" B"), masked("b"), masked("The")],
  };
  const result = read([constrained], "B", "fast");
  t.equal(result?.source, "top_logprobs");
  t.ok(close(result?.probabilityA, 0.2));
  t.ok(close(read([constrained, plain(QWEN_EOS)], "B", "fast")?.probabilityA, 0.2), "with EOS");
  t.ok(close(read([plain(""), { ...constrained, token: " B" }], " B", "fast")?.probabilityA, 0.2));
  t.equal(read([plain("A")], "B", "fast"), null, "a token with the other letter: no guess");
});

t.test("masked alternatives (-9999) have probability 0, never a letter's mass", async (t) => {
  // A masked letter next to a real one: read as 0, the probability clamps to the real one.
  const withMaskedB = read(verdictTokens("A", 0.9, [alt("A", 0.9), masked("B"), masked("X")]));
  t.equal(withMaskedB?.source, "top_logprobs");
  t.ok((withMaskedB?.probabilityA ?? 0) > 1 - 1e-5);

  // A missing letter ranks below the masked alternatives listed: bounded at 0.
  const missingB = read(verdictTokens("A", 0.6, [alt("A", 0.6), alt("X", 0.3), masked("Y")]));
  t.equal(missingB?.source, "one_sided");
  t.ok((missingB?.probabilityA ?? 0) > 1 - 1e-5, "not bounded by 1 − 0.9");

  // Only masked evidence for either letter: before, -9999 counted as a read logprob and this
  // gave 0.5 (both masked) or a certain A (masked A, missing B). No number is invented now.
  const bothMasked = { token: "A", logprob: MASKED_LOGPROB, top: [masked("A"), masked("B")] };
  t.equal(read([plain("[["), bothMasked, plain("]]")]), null);
  const maskedSampled = { token: "A", logprob: MASKED_LOGPROB, top: [masked("A"), masked("X")] };
  t.equal(read([plain("[["), maskedSampled, plain("]]")]), null);
});

t.test("property: any logprobs give null or a finite probability in (0, 1)", async () => {
  const logprob = fc.oneof(
    fc.double({ min: -1e4, max: 0, noNaN: true }),
    fc.constantFrom(Number.NaN, -Infinity, Infinity, 0.5, MASKED_LOGPROB),
  );
  const topEntry = fc.record({ token: fc.constantFrom("A", " B", "b", "X", "[[A"), logprob });
  fc.assert(
    fc.property(
      fc.constantFrom("A", "B"),
      logprob,
      fc.array(topEntry, { maxLength: 6 }),
      (l, lp, top) => {
        const result = read([plain("[["), { token: l, logprob: lp, top }, plain("]]")]);
        if (result === null) return true;
        const p = result.probabilityA;
        return Number.isFinite(p) && p > 0 && p < 1;
      },
    ),
  );
});

/** `[[X]]` with the letter as its own token, logprob `logprob`, carrying `top`. */
function letterToken(letter: string, logprob: number, top: TopLogprob[]): TokenLogprob[] {
  return [plain("[["), { token: letter, logprob, top }, plain("]]")];
}
const nan = (token: string): TopLogprob => ({ token, logprob: Number.NaN });

t.test("alternatives that spell no verdict letter are no letter's mass", async (t) => {
  // 'AB', '[[B' (no '[[' in the sampled token), 'B A' and 'C' are not B: B stays missing and
  // is bounded by the smallest other (0.05), not read as 0.2 + 0.1 + 0.1.
  const top = [alt("A", 0.5), alt("AB", 0.2), alt("[[B", 0.1), alt("B A", 0.1), alt("C", 0.05)];
  const bounded = read(letterToken("A", ln(0.5), top));
  t.equal(bounded?.source, "one_sided");
  t.ok(close(bounded?.probabilityA, 0.5 / 0.55), `${bounded?.probabilityA}`);

  const noLetter = [alt("C", 0.5), alt("[[", 0.3), alt("AB", 0.1), alt("]]", 0.05)];
  t.equal(read(letterToken("A", -Infinity, noLetter)), null, "no letter above 0: null");
  t.equal(
    read([plain("Answer"), plain(" AB"), plain("[[A]]")], "A", "fast"),
    null,
    "fast: no token is the letter alone",
  );
});

t.test(
  "the sampled token's prefix or suffix is stripped only from alternatives that carry it",
  async (t) => {
    // Kills stripping `prefix.length` characters whether or not the alternative starts with it:
    // 'B' would become '' and B's mass would drop to 0.2.
    const opening = [
      plain("Final: "),
      { token: "[[A", logprob: ln(0.5), top: [alt("[[A", 0.5), alt("[[B", 0.2), alt("B", 0.1)] },
      plain("]]"),
    ];
    const withPrefix = read(opening);
    t.equal(withPrefix?.source, "top_logprobs");
    t.ok(close(withPrefix?.probabilityA, 0.5 / 0.8), `${withPrefix?.probabilityA}`);

    const closing = [
      plain("[["),
      { token: "B]]", logprob: ln(0.6), top: [alt("B]]", 0.6), alt("A]]", 0.2), alt("A", 0.1)] },
    ];
    t.ok(close(read(closing)?.probabilityA, 0.3 / 0.9), "suffix: 'A' and 'A]]' both count");

    // Trimmed before and after stripping: '[[ B' and ' [[B' are B as '[[ A' is A.
    const spaced = [
      plain("So "),
      {
        token: "[[ A",
        logprob: ln(0.6),
        top: [alt("[[ A", 0.6), alt("[[ B", 0.2), alt(" [[B", 0.1)],
      },
      plain("]]"),
    ];
    t.ok(close(read(spaced)?.probabilityA, 0.6 / 0.9), `${read(spaced)?.probabilityA}`);
  },
);

t.test("NaN alternatives are ignored as if not listed", async (t) => {
  // Ranked NaN: not the smallest alternative, so B ≤ min(0.25, 1 − 0.75) = 0.25.
  const rankedNaN = read(letterToken("A", ln(0.5), [alt("A", 0.5), nan("X"), alt("Y", 0.25)]));
  t.equal(rankedNaN?.source, "one_sided");
  t.ok(close(rankedNaN?.probabilityA, 0.5 / 0.75), `${rankedNaN?.probabilityA}`);

  // The sampled letter listed with NaN: its own logprob (0.6) is read instead.
  const sampledNaN = read(letterToken("A", ln(0.6), [nan("A"), alt("B", 0.2)]));
  t.equal(sampledNaN?.source, "top_logprobs");
  t.ok(close(sampledNaN?.probabilityA, 0.75), `${sampledNaN?.probabilityA}`);

  // The other letter listed with NaN: missing, bounded by the unlisted mass 1 − 0.5.
  const otherNaN = read(letterToken("A", ln(0.5), [alt("A", 0.5), nan("B")]));
  t.equal(otherNaN?.source, "one_sided");
  t.ok(close(otherNaN?.probabilityA, 0.5), `${otherNaN?.probabilityA}`);

  // A NaN sampled letter is not a reading of A: A ≤ min(0.3, 1 − 0.8) against B's 0.3.
  const letterNaN = read(letterToken("A", Number.NaN, [alt("B", 0.3), alt("X", 0.5)]));
  t.equal(letterNaN?.source, "one_sided");
  t.ok(close(letterNaN?.probabilityA, 0.2 / 0.5), `${letterNaN?.probabilityA}`);
});

t.test("a letter listed at logprob +Infinity invents no certainty for the other", async (t) => {
  // No engine reports a logprob above 0, let alone +Infinity; such a list is unreadable, not
  // proof that the other letter won.
  const infiniteA = read(
    letterToken("A", ln(0.6), [{ token: "A", logprob: Infinity }, alt("B", 0.4)]),
  );
  t.equal(infiniteA, null);
  const infiniteB = read(
    letterToken("A", ln(0.6), [alt("A", 0.6), { token: "B", logprob: Infinity }]),
  );
  t.equal(infiniteB, null);
});
