/**
 * The generator prompts as the model reads them. The prompt is the contract with the model
 * (and GENERATOR_PROMPT_VERSION travels with what it produced), so the rendered text is pinned
 * exactly: a change of wording must show up here and bump the version. That the simulated
 * engine reads them back is test/contracts/generator-prompts.test.ts.
 */
import t from "tap";
import {
  ERROR_KINDS,
  formatRewriteOutput,
  GENERATOR_PROMPT_VERSION,
  REWRITE_MARKERS,
  renderAnswerPrompt,
  renderRewritePrompt,
  rewriteUserText,
} from "../../../src/core/generator-prompts.ts";
import type { ResolvedImage } from "../../../src/core/types.ts";

const image = (n: number): ResolvedImage => ({
  sha256: String(n).repeat(64).slice(0, 64),
  mime: "image/png",
  dataUri: `data:image/png;base64,AAA${n}`,
  byteLength: 3,
});

const REWRITE_SYSTEM =
  "You rewrite a response to a question about an image so that it becomes worse in content " +
  "only. Introduce exactly the requested number of deliberate errors that someone looking at " +
  "the image can check: change a count, an attribute (colour, size), an object, a spatial " +
  "relation, or text read from the image. Keep the style, tone and length of the original. " +
  "Output the rewrite between [The Start of Rewritten Response] and [The End of Rewritten " +
  'Response], then [Injected Errors] and one line per error: - kind: "original words" -> ' +
  '"new words", where kind is one of count, attribute, object, spatial, text.';

t.test("the version and the markers", async (t) => {
  t.equal(GENERATOR_PROMPT_VERSION, "generator-v1");
  t.same(REWRITE_MARKERS, {
    question: "[Question]",
    errorCount: "[Number of Errors]",
    startOriginal: "[The Start of Original Response]",
    endOriginal: "[The End of Original Response]",
    startRewrite: "[The Start of Rewritten Response]",
    endRewrite: "[The End of Rewritten Response]",
    errors: "[Injected Errors]",
  });
  t.same(ERROR_KINDS, ["count", "attribute", "object", "spatial", "text"]);
});

t.test("the answer prompt: its system turn, then the images and the question", async (t) => {
  t.strictSame(renderAnswerPrompt({ question: "How many cups?", images: [image(1), image(2)] }), [
    {
      role: "system",
      content:
        "Answer the user's question about the image(s). For a question with a short answer (a " +
        "number, an option letter, yes or no), reason briefly and end with 'The answer is X.'",
    },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: "data:image/png;base64,AAA1" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAA2" } },
        { type: "text", text: "How many cups?" },
      ],
    },
  ]);
  t.strictSame(renderAnswerPrompt({ question: "Describe it.", images: [] })[1], {
    role: "user",
    content: [{ type: "text", text: "Describe it." }],
  });
});

t.test("the rewrite prompt, word for word", async (t) => {
  const input = {
    question: "Describe the image.",
    images: [image(1)],
    original: 'Two red dogs.\nA sign reads "OPEN".',
    errorCount: 3,
  };
  const text =
    "[Question]\nDescribe the image.\n\n[Number of Errors]\n3\n\n" +
    '[The Start of Original Response]\nTwo red dogs.\nA sign reads "OPEN".\n' +
    "[The End of Original Response]";
  t.equal(rewriteUserText(input), text);
  t.strictSame(renderRewritePrompt(input), [
    { role: "system", content: REWRITE_SYSTEM },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: "data:image/png;base64,AAA1" } },
        { type: "text", text },
      ],
    },
  ]);
});

t.test("the rewrite output the prompt asks for", async (t) => {
  t.equal(
    formatRewriteOutput({
      text: "Three blue cats.\nA sign reads EXIT.",
      errors: [
        { kind: "count", from: "Two", to: "Three" },
        { kind: "text", from: 'say "hi"', to: "EXIT" },
        { kind: "object", from: "", to: "There are two cats." },
      ],
    }),
    "[The Start of Rewritten Response]\nThree blue cats.\nA sign reads EXIT.\n" +
      "[The End of Rewritten Response]\n[Injected Errors]\n" +
      '- count: "Two" -> "Three"\n' +
      '- text: "say \\"hi\\"" -> "EXIT"\n' +
      '- object: "" -> "There are two cats."',
  );
  t.equal(
    formatRewriteOutput({ text: "Unchanged.", errors: [] }),
    "[The Start of Rewritten Response]\nUnchanged.\n[The End of Rewritten Response]\n[Injected Errors]",
    "no errors: the section header alone",
  );
});
