import fc from "fast-check";
import t from "tap";
import { parseVerdict } from "../../../src/core/verdict-parser.ts";

function slotOf(text: string) {
  const parsed = parseVerdict(text, "reasoned");
  return parsed.ok ? parsed.slot : `invalid: ${parsed.reason}`;
}

t.test("reasoned: the last marker wins and index points at its letter", async (t) => {
  const text = "At first [[B]] looked right, but the count is wrong.\n\n[[A]]";
  const parsed = parseVerdict(text, "reasoned");
  t.same(parsed, { ok: true, slot: "A", index: text.lastIndexOf("A") });
});

t.test("reasoned: markdown, whitespace, case and trailing punctuation", async (t) => {
  const cases: [string, string][] = [
    ["Final verdict: **[[A]]**", "A"],
    ["Final verdict: __[[B]]__.\n\n  ", "B"],
    ["Verdict: [[ A ]]", "A"],
    ["Verdict: [[b]]!", "B"],
    ["[[a]]", "A"],
    ["### Final Verdict\n\n**[[B]]**\n", "B"],
    ["It's clear that the second one is wrong: [[A]]", "A"],
  ];
  for (const [text, slot] of cases) t.equal(slotOf(text), slot, text);
  const parsed = parseVerdict("Verdict: [[ b ]]", "reasoned");
  t.same(parsed, { ok: true, slot: "B", index: 12 });
});

t.test("reasoned: no A/B marker is invalid", async (t) => {
  t.equal(slotOf("Both answers are fine."), "invalid: no verdict marker");
  t.equal(slotOf(""), "invalid: no verdict marker");
  t.equal(slotOf("It is a tie: [[C]]"), "invalid: no verdict marker");
  t.equal(slotOf("Verdict: [A]"), "invalid: no verdict marker");
});

t.test("reasoned: a tie marker after a verdict is not overridden by the earlier one", async (t) => {
  t.equal(slotOf("Maybe [[A]]. On reflection: [[C]]"), "invalid: final marker [[C]] is not A or B");
  t.equal(slotOf("[[B]]\n\n[[tie]]"), "invalid: final marker [[tie]] is not A or B");
});

t.test("reasoned: both verdicts on the final line is invalid", async (t) => {
  for (const text of [
    "Hard to say.\n[[A]] or [[B]]",
    "Hard to say.\n[[A]]/[[B]]",
    '[[A]] earlier\nOutput "[[A]]" or "[[B]]".',
    "[[A]] or [[B]]\nI cannot decide.",
  ]) {
    t.equal(slotOf(text), "invalid: both verdicts on the final line", text);
  }
  t.equal(slotOf("I considered [[A]] or [[B]].\nFinal: [[B]]"), "B", "earlier lines may name both");
});

t.test("reasoned: quoted markers are citations, not verdicts", async (t) => {
  t.equal(slotOf('Assistant B ends with "[[B]]", which is odd.\n\n[[A]]'), "A");
  t.equal(slotOf('He wrote "[[B]]".'), "invalid: verdict markers only inside quotes");
  t.equal(slotOf("The format is `[[B]]` here."), "invalid: verdict markers only inside quotes");
  t.equal(
    slotOf('He said "the verdict is [[B]] for sure".'),
    "invalid: verdict markers only inside quotes",
  );
  t.equal(slotOf("He said “pick [[A]] please”."), "invalid: verdict markers only inside quotes");
  t.equal(slotOf("[[A]]\nNote that B wrote '[[B]]' itself."), "A", "the last unquoted marker wins");
});

t.test("reasoned: a quoted marker alone on its line is the judge echoing the format", async (t) => {
  t.equal(slotOf('A is better.\n"[[A]]"'), "A");
  t.equal(slotOf('B is better.\nFinal verdict: "[[B]]"'), "B");
  t.equal(slotOf("B is better.\n**Final Verdict:** `[[B]]`."), "B");
  t.equal(slotOf("It is [[C]].\nFinal verdict: '[[A]]'"), "A");
});

t.test("fast: the whole trimmed text must be A or B", async (t) => {
  t.same(parseVerdict("A", "fast"), { ok: true, slot: "A", index: 0 });
  t.same(parseVerdict("b", "fast"), { ok: true, slot: "B", index: 0 });
  t.same(parseVerdict(" B\n", "fast"), { ok: true, slot: "B", index: 1 });
  for (const text of ["", "AB", "[[A]]", "A.", "Answer: A"]) {
    t.equal(parseVerdict(text, "fast").ok, false, JSON.stringify(text));
  }
});

t.test("property: reasoning without markers, then a verdict line, reads that verdict", async () => {
  fc.assert(
    fc.property(
      fc.string().filter((s) => !s.includes("[[") && !s.includes("]]")),
      fc.constantFrom("A", "B", "a", "b"),
      fc.constantFrom("", "**", "__"),
      (reasoning, letter, emphasis) => {
        const text = `${reasoning}\n${emphasis}[[${letter}]]${emphasis}`;
        const parsed = parseVerdict(text, "reasoned");
        return parsed.ok && parsed.slot === letter.toUpperCase() && text[parsed.index] === letter;
      },
    ),
  );
});

t.test("reasoned: a marker followed by a quoted word on its line still counts", async (t) => {
  // Only a quote opened before the marker and closed after it makes a span: kills `&&` → `||`
  // in the straight-quote and curly-quote rules, and a `>=` in the curly one.
  t.equal(slotOf('I pick [[B]], the "shorter" one.'), "B");
  t.equal(slotOf("I pick [[B]], as the `format` asks."), "B");
  t.equal(slotOf("[[A]] as “they” say"), "A");
  t.equal(slotOf('After "no" comes [[A]], not "yes".'), "A", "closed quotes on both sides");
  t.equal(slotOf("After “no” comes [[A]], not “yes”."), "A", "closed curly quotes on both sides");
  t.equal(slotOf('The answer starts with " and ends with [[A]]'), "A", "a quote never closed");
  t.equal(slotOf('Verdict: [[A]]\n"shorter" is the word.'), "A", "quotes on the next line");
});

t.test("reasoned: a quoted marker followed by more prose is a citation", async (t) => {
  // Alone on its line means nothing after the closing quote but punctuation: kills a
  // STANDALONE pattern without its end anchor.
  t.equal(
    slotOf('Final verdict: "[[B]]" since B is shorter.'),
    "invalid: verdict markers only inside quotes",
  );
  t.equal(
    slotOf("Final verdict: `[[A]]` because of the count."),
    "invalid: verdict markers only inside quotes",
  );
  t.equal(slotOf('[[A]] at first.\nFinal verdict: "[[B]]" since B is shorter.'), "A");
  t.equal(
    slotOf("He wrote '**[[B]]**' here."),
    "invalid: verdict markers only inside quotes",
    "emphasis inside the quotes",
  );
});

t.test("reasoned: a quoted verdict alone on a line that is not the last counts", async (t) => {
  // The line is cut at the next newline, not at the end of the text.
  const text = '[[B]]\nFinal verdict: "[[A]]"\nThat settles it.';
  t.same(parseVerdict(text, "reasoned"), { ok: true, slot: "A", index: text.indexOf('"[[A') + 3 });
  t.equal(slotOf("Final verdict: '[[B]]'\n\nB names the cat; A does not."), "B");
});

t.test(
  "reasoned: a quoted marker other than A or B never counts, even alone on its line",
  async (t) => {
    t.equal(slotOf('[[A]] is right.\n"[[C]]"'), "A");
    t.equal(slotOf("[[B]]\nFinal verdict: '[[tie]]'"), "B");
    t.equal(slotOf('The options were "[[C]]".\n"[[tie]]"'), "invalid: no verdict marker");
  },
);

t.test("fast: the reason quotes the text, clipped after 40 characters", async (t) => {
  t.same(parseVerdict("Neither", "fast"), { ok: false, reason: 'expected A or B, got "Neither"' });
  const forty = "x".repeat(40);
  t.same(parseVerdict(forty, "fast"), { ok: false, reason: `expected A or B, got "${forty}"` });
  t.same(parseVerdict(`${forty}yz`, "fast"), {
    ok: false,
    reason: `expected A or B, got "${forty}…"`,
  });
});

t.test("reasoned: each kind of quote wrapping a marker directly makes it a citation", async (t) => {
  // An unbalanced straight quote or backtick earlier on the line (5" = inches) must not
  // hide that the marker itself is wrapped.
  t.equal(slotOf('[[A]] wins.\nThe 5" model is "[[B]]" in the prompt.'), "A");
  t.equal(slotOf("[[A]] wins.\nType ` then `[[B]]` as shown."), "A");
  t.equal(slotOf("[[A]] wins.\nHe wrote ‘[[B]]’ here."), "A");
  // Emphasis is looked through only next to the marker, not further back on the line.
  t.equal(slotOf("[[A]] is right.\n**Note**: '**[[B]]**' is the format."), "A");
  // An opening quote right before the marker, never closed, quotes nothing.
  t.equal(slotOf("[[B]] at first.\nIn the end I go with '[[A]] since it counts."), "A");
  t.equal(slotOf("[[B]] at first.\nThen “on reflection, [[A]]"), "A");
});

t.test("reasoned: what may stand around a quoted marker alone on its line", async (t) => {
  // Counts: no space after the label, emphasis inside the quotes, spaces inside the quotes
  // or the brackets, a CRLF line ending.
  t.equal(slotOf('[[B]]\nVerdict:"[[A]]"'), "A");
  t.equal(slotOf("[[A]]\nFinal verdict: '**[[B]]**'"), "B");
  t.equal(slotOf('[[B]]\nFinal verdict: " [[A]] "'), "A");
  t.equal(slotOf('[[B]]\n"[[ A ]]"'), "A");
  t.equal(slotOf('[[B]]\r\n"[[A]]"\r\nThat settles it.'), "A");
  // Does not count: prose before the quote that is not a `Label:`, or prose after the colon.
  t.equal(slotOf('[[B]]\nnot "[[A]]"'), "B");
  t.equal(slotOf('[[B]]\nnot"[[A]]"'), "B");
  t.equal(slotOf('[[B]]\nThe judge said, then: "[[A]]"'), "B");
  t.equal(slotOf('[[B]]\nVerdict:not "[[A]]"'), "B");
});
