import t from "tap";
import { parseRewriteOutput, readRewritePrompt } from "../../sim/generator-prompts.ts";
import { lastUserText, readPrompt } from "../../sim/prompt-reader.ts";
import {
  formatRewriteOutput,
  REWRITE_MARKERS,
  type Rewrite,
  renderAnswerPrompt,
  renderRewritePrompt,
} from "../../src/core/generator-prompts.ts";

const image = {
  sha256: "0".repeat(64),
  mime: "image/png" as const,
  dataUri: "data:image/png;base64,iVBORw0KGgo=",
  byteLength: 8,
};

t.test("a rendered rewrite prompt reads back", async (t) => {
  const original = 'Two red dogs.\nA sign reads "OPEN".';
  const messages = renderRewritePrompt({
    question: "Describe the image.",
    images: [image],
    original,
    errorCount: 3,
  });
  t.equal(messages[0]?.role, "system");
  const content = messages[1]?.content;
  t.ok(Array.isArray(content) && content[0]?.type === "image_url", "images come first");
  t.same(readRewritePrompt(lastUserText(messages)), {
    question: "Describe the image.",
    original,
    errorCount: 3,
  });
  t.equal(readPrompt(messages).kind, "rewrite");
  t.equal(readRewritePrompt("no markers here"), null);
});

t.test("answer prompts are classed by the question's form", async (t) => {
  const closed = renderAnswerPrompt({ question: "How many cups are there?", images: [image] });
  t.same(readPrompt(closed), {
    kind: "closed",
    question: "How many cups are there?",
    form: "number",
    imageUrls: [image.dataUri],
  });
  const open = renderAnswerPrompt({ question: "Describe the scene.", images: [] });
  t.equal(readPrompt(open).kind, "open");
});

t.test("rewrite output round-trips and is null without its markers", async (t) => {
  const rewrite: Rewrite = {
    text: 'Three blue cats.\nA sign reads "EXIT".',
    errors: [
      { kind: "count", from: "Two", to: "Three" },
      { kind: "text", from: 'say "hi"', to: "EXIT" },
      { kind: "object", from: "", to: "There are two cats." },
    ],
  };
  const output = formatRewriteOutput(rewrite);
  t.ok(output.startsWith(REWRITE_MARKERS.startRewrite));
  t.same(parseRewriteOutput(output), rewrite);
  t.same(parseRewriteOutput(`Sure! Here it is:\n${output}\n- bogus: "a" -> "b"`), rewrite);
  t.equal(parseRewriteOutput(output.slice(0, 30)), null, "cut before the end marker");
  t.equal(parseRewriteOutput("I cannot do that."), null);
});
