import t from "tap";
import { openAnswer, rewriteAnswer } from "../../../sim/world/generator.ts";
import { GENERATOR_NOISE } from "../../../sim/world/world-params.ts";
import { formatRewriteOutput, type Rewrite } from "../../../src/core/generator-prompts.ts";
import { createRandom } from "../../../src/core/seeded-random.ts";
import { parseRewriteReport } from "../../../trainer/core/rewrite-output.ts";
import { validateRewrite } from "../../../trainer/core/rewrite-validation.ts";
import { pairTruth, sceneFor, worldImage } from "../../helpers/sim-world.ts";

const original =
  'The image shows three red cups on the left of a small table. A sign reads "OPEN".';
const good: Rewrite = {
  text: 'The image shows five red cups on the right of a small table. A sign reads "OPEN".',
  errors: [
    { kind: "count", from: "three", to: "five" },
    { kind: "spatial", from: "left", to: "right" },
  ],
};

const reasonOf = (output: string, options = {}) => {
  const result = validateRewrite(original, output, options);
  return result.ok ? "ok" : result.reason;
};

t.test("a good rewrite passes and records its errors", async (t) => {
  const result = validateRewrite(original, formatRewriteOutput(good));
  t.ok(result.ok);
  if (result.ok) {
    t.equal(result.rewrite, good.text);
    t.same(result.errors, good.errors);
    t.ok(result.lengthChange < 0.05);
  }
});

t.test("each rejection, in order", async (t) => {
  t.equal(reasonOf("Sorry, I cannot help."), "unparseable");
  t.equal(reasonOf(formatRewriteOutput({ ...good, text: "" })), "unparseable");
  const sameText = formatRewriteOutput({ ...good, text: `  ${original.replace(/ /g, "\n ")}  ` });
  t.equal(reasonOf(sameText), "identical", "identical after whitespace normalisation");
  t.equal(reasonOf(formatRewriteOutput({ ...good, text: "Five red cups." })), "length_mismatch");
  const longer = `${good.text} There is also a green bus parked behind the table near the door.`;
  t.equal(reasonOf(formatRewriteOutput({ ...good, text: longer })), "length_mismatch");
  const noList = formatRewriteOutput(good).split("\n[Injected Errors]")[0]!;
  t.equal(reasonOf(noList), "missing_error_list", "no [Injected Errors] marker");
  t.equal(
    reasonOf(formatRewriteOutput({ ...good, errors: [] })),
    "missing_error_list",
    "an empty list",
  );
  t.equal(reasonOf(`${formatRewriteOutput(good)}\n- count: three -> five`), "malformed_error_list");
  t.equal(
    reasonOf(`${formatRewriteOutput(good)}\n- colour: "red" -> "blue"`),
    "unknown_error_kind",
  );
  const four = [
    ...good.errors,
    { kind: "text" as const, from: "OPEN", to: "OPEN" },
    good.errors[0]!,
  ];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: four })), "error_count");
  const invented = [{ kind: "object" as const, from: "cups", to: "plates" }];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: invented })), "error_not_in_text");
  t.equal(
    reasonOf(formatRewriteOutput({ ...good, errors: invented }), { checkErrorText: false }),
    "ok",
  );
});

t.test("limits are configurable", async (t) => {
  const short = formatRewriteOutput({ ...good, text: "Five red cups on the right." });
  t.equal(reasonOf(short, { maxLengthChange: 1 }), "ok");
  t.equal(reasonOf(formatRewriteOutput(good), { maxErrors: 1 }), "error_count");
  t.equal(reasonOf(formatRewriteOutput(good), { minErrors: 3, maxErrors: 3 }), "error_count");
});

t.test("the report keeps what the lenient parser would drop", async (t) => {
  const output = `Here you go:\n${formatRewriteOutput(good)}\n- spatial relation: "left" -> "right"\n* text: "x" -> "y\nThanks!`;
  const report = parseRewriteReport(output);
  t.same(report?.errors, good.errors);
  t.same(report?.unknownKinds, ["spatial relation"]);
  t.same(report?.malformed, ['* text: "x" -> "y']);
  t.equal(
    parseRewriteReport(formatRewriteOutput(good).slice(0, 40)),
    null,
    "cut before the end marker",
  );
});

t.test("the simulated generator's rewrites of its own answers mostly pass", async (t) => {
  for (const noise of ["low", "high"] as const) {
    const generator = GENERATOR_NOISE[noise];
    let passed = 0;
    let worse = 0;
    const reasons: string[] = [];
    for (let i = 0; i < 40; i++) {
      const scene = sceneFor([worldImage(`rewrite-${i}`)], "");
      const answer = openAnswer(scene, generator, createRandom("answer", i));
      const rewrite = rewriteAnswer(answer, 1 + (i % 3), generator, createRandom("rewrite", i));
      const result = validateRewrite(answer, formatRewriteOutput(rewrite));
      if (!result.ok) {
        reasons.push(result.reason);
        continue;
      }
      passed++;
      if (pairTruth("Describe the scene in detail.", scene, answer, result.rewrite) === 1) worse++;
    }
    t.ok(passed >= 30, `${noise}: ${passed}/40 passed; rejected: ${reasons.join(", ")}`);
    t.ok(
      reasons.every((r) => r === "error_count" || r === "length_mismatch" || r === "identical"),
      reasons.join(", "),
    );
    // Validation cannot see a rewrite that only rephrased or changed an uncheckable material.
    t.ok(worse < passed, `${noise}: ${worse}/${passed} validated rewrites are truly worse`);
    t.ok(worse >= passed * 0.5, `${noise}: most validated rewrites are worse`);
  }
});

t.test("each rejection says what was wrong (recorded with the skip)", async (t) => {
  const detailOf = (output: string, options = {}) => {
    const result = validateRewrite(original, output, options);
    return result.ok ? "ok" : result.detail;
  };
  t.equal(detailOf("Sorry."), "rewrite markers missing or rewrite empty");
  t.equal(
    detailOf(formatRewriteOutput({ ...good, text: original })),
    "same text after whitespace normalisation",
  );
  // 82 characters down to 14: 83% shorter.
  t.equal(
    detailOf(formatRewriteOutput({ ...good, text: "Five red cups." })),
    "length changed by 83%",
  );
  t.equal(detailOf(formatRewriteOutput({ ...good, errors: [] })), "no error lines");
  t.equal(
    detailOf(`${formatRewriteOutput(good)}\n- count: three -> five`),
    "- count: three -> five",
  );
  t.equal(
    detailOf(`${formatRewriteOutput(good)}\n- colour: "red" -> "blue"\n- size: "a" -> "b"`),
    "unknown kinds: colour, size",
  );
  const four = [...good.errors, ...good.errors];
  t.equal(detailOf(formatRewriteOutput({ ...good, errors: four })), "4 errors, want 1–3");
  t.equal(
    detailOf(
      formatRewriteOutput({ ...good, errors: [{ kind: "object", from: "cups", to: "plates" }] }),
    ),
    '"plates" is not in the rewrite',
  );
  t.equal(
    detailOf(
      formatRewriteOutput({ ...good, errors: [{ kind: "object", from: "mugs", to: "cups" }] }),
    ),
    '"mugs" is not in the original',
  );
});

t.test("limits are inclusive: 1 and 3 errors, and a change of exactly the maximum", async (t) => {
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: [good.errors[0]!] })), "ok");
  const three = [...good.errors, { kind: "text" as const, from: "OPEN", to: "OPEN" }];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: three })), "ok");
  const error = [{ kind: "count" as const, from: "three", to: "five" }];
  // 10 characters to 13 is a change of exactly 0.3, the default maximum; 14 is past it.
  t.same(
    validateRewrite("three cups", formatRewriteOutput({ text: "five cups now", errors: error })),
    {
      ok: true,
      rewrite: "five cups now",
      errors: error,
      lengthChange: 0.3,
    },
  );
  t.match(
    validateRewrite("three cups", formatRewriteOutput({ text: "five cups now!", errors: error })),
    {
      ok: false,
      reason: "length_mismatch",
    },
  );
});

t.test("error texts match in any case and spacing; an empty 'from' is an insertion", async (t) => {
  const loose = [{ kind: "count" as const, from: "THREE  red", to: "Five\nRED cups" }];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: loose })), "ok");
  const inserted = [{ kind: "object" as const, from: "", to: "five red cups" }];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: inserted })), "ok");
});

t.test("surrounding whitespace of the original does not make a rewrite differ", async (t) => {
  const output = formatRewriteOutput({ ...good, text: original });
  t.match(validateRewrite(`\n  ${original}  \n`, output), { ok: false, reason: "identical" });
});

t.test("error texts must match word for word, spaces included", async (t) => {
  const joined = [{ kind: "count" as const, from: "three", to: "fivered" }];
  t.equal(reasonOf(formatRewriteOutput({ ...good, errors: joined })), "error_not_in_text");
});

t.test("a list mixing good lines with bad ones is rejected for the bad ones", async (t) => {
  t.equal(
    reasonOf(`${formatRewriteOutput({ ...good, errors: [good.errors[0]!] })}\n- count`),
    "malformed_error_list",
  );
  t.equal(
    reasonOf(
      `${formatRewriteOutput({ ...good, errors: [good.errors[0]!] })}\n- colour: "red" -> "blue"`,
    ),
    "unknown_error_kind",
  );
});
