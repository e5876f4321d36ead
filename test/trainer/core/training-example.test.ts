import t from "tap";
import { readJudgePrompt } from "../../../sim/prompt-reader.ts";
import {
  PAIRWISE_TEMPLATE_VERSION,
  pairwiseSystemPrompt,
  pairwiseUserText,
} from "../../../src/core/pairwise-template.ts";
import { buildTrainingExample, flipLabel } from "../../../trainer/core/training-example.ts";
import { samplePair, says } from "../fixtures.ts";

const pair = samplePair();
const base = { pair, imagePaths: ["images/aa.png"], judgeCheckpoint: "judge-it0", iteration: 1 };

t.test("TRL conversational vision format with the gateway's reasoned prompt", async (t) => {
  const example = buildTrainingExample({ ...base, order: "AB", trace: says("A") });
  t.same(example.images, ["images/aa.png"]);
  t.same(
    example.messages.map((m) => m.role),
    ["system", "user", "assistant"],
  );
  t.same(example.messages[0]?.content, [{ type: "text", text: pairwiseSystemPrompt("reasoned") }]);
  t.same(example.messages[1]?.content, [
    { type: "image" },
    {
      type: "text",
      text: pairwiseUserText({ question: pair.question, slotA: pair.chosen, slotB: pair.rejected }),
    },
  ]);
  t.same(example.messages[2]?.content, [{ type: "text", text: says("A") }]);
  const imageParts = example.messages.flatMap((m) => m.content).filter((c) => c.type === "image");
  t.equal(imageParts.length, example.images.length, "one image entry per image part");
  t.same(JSON.parse(JSON.stringify(example)), example, "plain JSON");
});

t.test("order BA puts the chosen response in slot B", async (t) => {
  const example = buildTrainingExample({ ...base, order: "BA", trace: says("B") });
  const user = example.messages[1]!.content.at(-1)!;
  const read = readJudgePrompt(user.type === "text" ? user.text : "");
  t.same([read?.slotA, read?.slotB], [pair.rejected, pair.chosen]);
});

t.test(
  "lineage names prompt, pair, generator, judge, init, iteration, template, order, kind",
  async (t) => {
    const example = buildTrainingExample({ ...base, order: "BA", trace: says("B") });
    t.same(example.lineage, {
      promptId: "col_1",
      pairId: pair.pairId,
      generator: "base-model",
      generatorPromptVersion: pair.generatorPromptVersion,
      judgeCheckpoint: "judge-it0",
      initCheckpoint: null,
      iteration: 1,
      templateVersion: PAIRWISE_TEMPLATE_VERSION,
      order: "BA",
      questionKind: "open",
    });
  },
);

t.test("several images, in order; no images", async (t) => {
  const two = samplePair("col_2", { imageHashes: ["a".repeat(64), "b".repeat(64)] });
  const example = buildTrainingExample({
    ...base,
    pair: two,
    imagePaths: ["x.png", "y.png"],
    order: "AB",
    trace: says("A"),
  });
  t.same(example.messages[1]!.content.slice(0, 2), [{ type: "image" }, { type: "image" }]);
  t.same(example.images, ["x.png", "y.png"]);
  const none = samplePair("col_3", { imageHashes: [] });
  const textOnly = buildTrainingExample({
    ...base,
    pair: none,
    imagePaths: [],
    order: "AB",
    trace: says("A"),
  });
  t.same(textOnly.images, []);
  t.equal(textOnly.messages[1]!.content.length, 1);
});

t.test("bugs upstream throw instead of writing bad data", async (t) => {
  t.throws(
    () => buildTrainingExample({ ...base, order: "AB", trace: says("B") }),
    /must end in \[\[A\]\]/,
  );
  t.throws(
    () => buildTrainingExample({ ...base, order: "AB", trace: "[[A]] and more" }),
    /must end in/,
  );
  t.throws(
    () => buildTrainingExample({ ...base, order: "AB", trace: "no verdict" }),
    /must end in/,
  );
  t.throws(
    () => buildTrainingExample({ ...base, imagePaths: [], order: "AB", trace: says("A") }),
    /image paths/,
  );
});

t.test(
  "an init checkpoint is named; flipLabel names the other slot and keeps the rest",
  async (t) => {
    const example = buildTrainingExample({
      ...base,
      initCheckpoint: "judge-it1",
      order: "AB",
      trace: says("A"),
    });
    t.equal(example.lineage.initCheckpoint, "judge-it1");
    const flipped = flipLabel(example);
    const text = (e: typeof example) => {
      const part = e.messages.at(-1)!.content.at(-1)!;
      return part.type === "text" ? part.text : "";
    };
    t.ok(text(example).endsWith("[[A]]"));
    t.ok(text(flipped).endsWith("[[B]]"));
    t.equal(text(flipped).slice(0, -5), text(example).slice(0, -5));
    t.same(flipped.messages.slice(0, -1), example.messages.slice(0, -1));
    t.same(flipped.lineage, { ...example.lineage, flipped: true });
    t.ok(text(flipLabel(flipped)).endsWith("[[A]]"), "flipping twice gives the label back");
  },
);

t.test("without an init checkpoint the lineage says null (the base model)", async (t) => {
  const example = buildTrainingExample({ ...base, order: "AB", trace: says("A") });
  t.equal(example.lineage.initCheckpoint, null);
  t.ok("initCheckpoint" in JSON.parse(JSON.stringify(example.lineage)), "kept in the JSON");
});

t.test("flipLabel replaces only the final marker, in one assistant part", async (t) => {
  const trace = "At first [[B]] looked right, but A counts the cups correctly.\n[[A]]";
  const flipped = flipLabel(buildTrainingExample({ ...base, order: "AB", trace }));
  t.same(flipped.messages.at(-1), {
    role: "assistant",
    content: [
      {
        type: "text",
        text: "At first [[B]] looked right, but A counts the cups correctly.\n[[B]]",
      },
    ],
  });
});

t.test("flipLabel refuses an example with no final verdict", async (t) => {
  const example = buildTrainingExample({ ...base, order: "AB", trace: says("A") });
  const withLast = (last: (typeof example.messages)[number]) => ({
    ...example,
    messages: [...example.messages.slice(0, -1), last],
  });
  const message = `${pair.pairId} AB: no final verdict to flip`;
  t.throws(
    () => flipLabel(withLast({ role: "user", content: [{ type: "text", text: "[[A]]" }] })),
    { message },
    "the last turn is not the assistant's",
  );
  t.throws(
    () => flipLabel(withLast({ role: "assistant", content: [{ type: "image" }] })),
    { message },
    "the last part is not text",
  );
  t.throws(
    () => flipLabel(withLast({ role: "assistant", content: [{ type: "text", text: "[[A]] so" }] })),
    { message },
    "the text does not end in a marker",
  );
  t.throws(() => flipLabel({ ...example, messages: [] }), { message }, "no messages");
  t.throws(() => flipLabel(withLast({ role: "assistant", content: [] })), { message }, "no parts");
});

t.test("a trace ending in the right marker must still be readable", async (t) => {
  t.throws(() => buildTrainingExample({ ...base, order: "AB", trace: "Either [[B]] or [[A]]" }), {
    message: `${pair.pairId} AB: the trace must end in [[A]]`,
  });
});
