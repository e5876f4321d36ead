import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import t from "tap";
import type { JudgeMode, TokenLogprob } from "../../../src/core/types.ts";
import { parseVerdict } from "../../../src/core/verdict-parser.ts";
import { verdictProbability } from "../../../src/core/verdict-probability.ts";
import { locateVerdictToken, type VerdictInText } from "../../../src/core/verdict-token.ts";
import {
  plain,
  plains,
  QWEN_EOS,
  type SplitDecoding,
  splitCharacter,
} from "./vllm-logprob-tokens.ts";

function verdictOf(text: string, mode: JudgeMode = "reasoned"): VerdictInText {
  const parsed = parseVerdict(text, mode);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { text, mode, slot: parsed.slot, index: parsed.index };
}

t.test("the letter's token and its text on either side", async (t) => {
  const cases: [string[], number, string, string][] = [
    [["Verdict: ", "[[", "A", "]]"], 2, "", ""],
    [["Verdict: [[", " A", "]]"], 1, "", ""],
    [["Verdict: ", "[[A", "]]"], 1, "[[", ""],
    [["Verdict: [[", "A]]"], 1, "", "]]"],
    [["Verdict: ", "[[A]]", QWEN_EOS], 1, "[[", "]]"],
    [["Verdict:", " [[ b ]]"], 1, "[[", "]]"],
  ];
  for (const [pieces, at, prefix, suffix] of cases) {
    const tokens = plains(...pieces);
    const located = locateVerdictToken(tokens, verdictOf(pieces.join("").replace(QWEN_EOS, "")));
    t.equal(located?.token, tokens[at], JSON.stringify(pieces));
    t.same([located?.prefix, located?.suffix], [prefix, suffix]);
  }
});

t.test("the parser's choice is followed, not the last marker", async (t) => {
  // The last counting marker wins; a quoted one after it does not count but is still there.
  const text = 'At first [[B]].\nVerdict: [[A]]\nThe format was "[[B]]".';
  const tokens = plains("At first ", "[[B]]", ".\n", "Verdict: ", "[[", "A", "]]", "\n");
  tokens.push(...plains("The format was ", '"', "[[", "B", "]]", '".'));
  t.equal(locateVerdictToken(tokens, verdictOf(text))?.token, tokens[5]);
});

t.test("no token when the tokens do not hold the parser's marker", async (t) => {
  const verdict = verdictOf("Final: [[A]]");
  t.equal(locateVerdictToken(plains("Final: ", "A"), verdict), null, "no marker");
  t.equal(locateVerdictToken(plains("Final: ", "[[B]]"), verdict), null, "another label");
  t.equal(locateVerdictToken([], verdict), null, "no tokens");
  t.equal(locateVerdictToken(plains("A"), verdictOf("B", "fast")), null, "fast: other letter");
  t.equal(locateVerdictToken(plains("", QWEN_EOS), verdictOf("A", "fast")), null, "fast: none");
});

// The property: vLLM's logprob tokens for a completion differ from a clean tokenisation that
// joins to the content in the ways vllm-logprob-tokens.ts cites (split characters decoded one
// token at a time, empty tokens, the stop token's text, a reasoning prefix the reasoning
// parser kept out of the content). None of them may change the token found or the probability.

const asciiPiece = fc.constantFrom("the", " ", "\n", ".", ":", '"', "*", "A", "B", " A", " b");
const widePiece = fc.constantFrom("é", "ç", "猫", "—", "😀", "✓", "\u00a0", "\u3000");
const markerPiece = fc.constantFrom("[[A]]", "[[B]]", "[[ b ]]", '"[[A]]"', '"[[B]]"', "[[tie]]");
const piece = fc.oneof(
  { arbitrary: asciiPiece, weight: 4 },
  { arbitrary: widePiece, weight: 3 },
  { arbitrary: markerPiece, weight: 1 },
  { arbitrary: fc.constantFrom("[", "[[", "]]"), weight: 1 },
);
const text = (maxLength: number) => fc.array(piece, { maxLength }).map((p) => p.join(""));
const verdictMarker = fc.constantFrom("[[A]]", "[[B]]", "[[ A ]]", "[[b]]", "[[\u3000A]]");
const content = fc
  .tuple(text(20), verdictMarker, text(8))
  .map(([before, marker, after]) => `${before}\n${marker}${after}`);

/** Non-ASCII characters as tokens of their own, ASCII runs cut into chunks of `lengths`. */
function tokenise(text: string, lengths: number[], probabilities: number[]): TokenLogprob[] {
  const pieces: string[] = [];
  let run = "";
  let cut = 0;
  const flush = () => {
    while (run) {
      const size = lengths[cut++ % lengths.length] ?? 1;
      pieces.push(run.slice(0, size));
      run = run.slice(size);
    }
  };
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) run += char;
    else {
      flush();
      pieces.push(char);
    }
  }
  flush();
  return pieces.map((token, i) => withLetterAlternatives(token, probabilities, i));
}

/** Alternatives spelling A and B in place of each letter of the token, at random odds. */
function withLetterAlternatives(
  token: string,
  probabilities: number[],
  seed: number,
): TokenLogprob {
  const top = [...token].flatMap((char, at) => {
    if (!/[ab]/i.test(char)) return [];
    const p = probabilities[(seed + at) % probabilities.length] ?? 0.5;
    const spell = (letter: string) => token.slice(0, at) + letter + token.slice(at + 1);
    return [
      { token: spell("A"), logprob: Math.log(p) },
      { token: spell("B"), logprob: Math.log(1 - p) },
    ];
  });
  return { token, logprob: top[0]?.logprob ?? -0.01, top };
}

/** The token covering character `index` of the joined clean tokens. */
function tokenAt(tokens: TokenLogprob[], index: number): TokenLogprob | undefined {
  let start = 0;
  return tokens.find((token) => {
    start += token.token.length;
    return index < start;
  });
}

/** The clean tokens as vLLM would list them: split characters, empty tokens, prefix, EOS. */
function asVllmLists(
  clean: TokenLogprob[],
  decodings: SplitDecoding[],
  empties: boolean[],
  reasoning: TokenLogprob[],
  eos: string,
): TokenLogprob[] {
  const listed = clean.flatMap((token, i) => {
    const char = token.token;
    const split =
      char.charCodeAt(0) >= 0x80
        ? plains(...splitCharacter(char, decodings[i % decodings.length] ?? "empty"))
        : [token];
    return empties[i % empties.length] ? [plain(""), ...split] : split;
  });
  return [...reasoning, ...listed, plain(eos)];
}

t.test(
  "property: vLLM's token list finds the same token and probability as a clean one",
  async (t) => {
    let checked = 0;
    fc.assert(
      fc.property(
        content,
        text(12),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom<SplitDecoding>("replacement", "empty", "joined"), {
          minLength: 1,
        }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        fc.constantFrom(QWEN_EOS, "</s>", "<|eot_id|>"),
        (text, thinking, lengths, probabilities, decodings, empties, eos) => {
          const parsed = parseVerdict(text, "reasoned");
          fc.pre(parsed.ok);
          if (!parsed.ok) return;
          const verdict = {
            text,
            mode: "reasoned" as const,
            slot: parsed.slot,
            index: parsed.index,
          };
          const clean = tokenise(text, lengths, probabilities);
          const reasoning = tokenise(`<think>${thinking}</think>\n\n`, lengths, probabilities);
          const real = asVllmLists(clean, decodings, empties, reasoning, eos);

          const expected = tokenAt(clean, parsed.index);
          const fromClean = verdictProbability(clean, verdict);
          if (locateVerdictToken(clean, verdict)?.token !== expected || fromClean === null) {
            throw new Error(`the clean tokens were misread: ${JSON.stringify(text)}`);
          }
          if (locateVerdictToken(real, verdict)?.token !== expected) {
            throw new Error(`another token: ${JSON.stringify(real.map((tok) => tok.token))}`);
          }
          if (!isDeepStrictEqual(verdictProbability(real, verdict), fromClean)) {
            throw new Error(`another probability for ${JSON.stringify(text)}`);
          }
          checked += 1;
        },
      ),
      { numRuns: 500 },
    );
    t.ok(checked > 200, `${checked} completions with a verdict checked`);
  },
);

t.test("an index that is not on a marker's label finds no token", async (t) => {
  // The index must point into a label: a neighbouring bracket or space is no verdict.
  const text = "Final: [[A]] done";
  const tokens = plains("Final: ", "[[", "A", "]]", " done");
  const at = (index: number): VerdictInText => ({ text, mode: "reasoned", slot: "A", index });
  t.equal(locateVerdictToken(tokens, at(text.indexOf("A")))?.token, tokens[2]);
  t.equal(locateVerdictToken(tokens, at(text.indexOf("A") + 1)), null, "the closing bracket");
  t.equal(locateVerdictToken(tokens, at(text.indexOf("A") - 1)), null, "the opening bracket");
  t.equal(locateVerdictToken(tokens, at(text.length)), null, "past the end");
  // The reasoning's own marker, in the tokens but not the text, is no fallback either.
  const reasoned = [...plains("<think>", "[[B]]", "</think>"), ...tokens];
  t.equal(locateVerdictToken(reasoned, at(text.indexOf("A")))?.token, tokens[2]);
  t.equal(locateVerdictToken(reasoned, at(text.indexOf("A") + 1)), null, "with a reasoning prefix");
});

t.test("fast: only a token that is the letter alone, with nothing around it", async (t) => {
  // A later word that starts or ends with the letter is not the verdict token.
  const tokens = plains("B", " bulb");
  t.same(locateVerdictToken(tokens, verdictOf("B", "fast")), {
    token: tokens[0],
    prefix: "",
    suffix: "",
  });
});

t.test(
  "reasoned: the token of the letter the index points at, inside a longer label",
  async (t) => {
    const text = "Final: [[BA]]";
    const tokens = plains("Final: ", "[[B", "A]]");
    const located = locateVerdictToken(tokens, {
      text,
      mode: "reasoned",
      slot: "A",
      index: text.indexOf("A"),
    });
    t.same(located, { token: tokens[2], prefix: "", suffix: "]]" });
  },
);

t.test(
  "reasoned: U+0080, the first non-ASCII character, is skipped on the token side",
  async (t) => {
    const tokens = plains("Verdict: [[", "\u0080", "A]]");
    t.equal(locateVerdictToken(tokens, verdictOf("Verdict: [[A]]"))?.token, tokens[2]);
  },
);
