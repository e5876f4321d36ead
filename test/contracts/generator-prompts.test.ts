import t from "tap";
import * as sim from "../../sim/generator-prompts.ts";
import { lastUserText, readPrompt } from "../../sim/prompt-reader.ts";
import * as trainer from "../../src/core/generator-prompts.ts";
import { parseRewriteReport } from "../../trainer/core/rewrite-output.ts";

// Contract: the prompts the trainer sends (src/core/generator-prompts.ts) are ones the
// simulated engine understands.

const image = {
  sha256: "0".repeat(64),
  mime: "image/png" as const,
  dataUri: "data:image/png;base64,iVBORw0KGgo=",
  byteLength: 8,
};

t.test("the simulated engine understands the trainer's prompts", async (t) => {
  const closed = trainer.renderAnswerPrompt({
    question: "How many cups are there?",
    images: [image],
  });
  t.equal(readPrompt(closed).kind, "closed");
  t.equal(
    readPrompt(trainer.renderAnswerPrompt({ question: "Describe it.", images: [] })).kind,
    "open",
  );
  const original = 'Two red dogs.\nA sign reads "OPEN".';
  const messages = trainer.renderRewritePrompt({
    question: "Describe.",
    images: [image],
    original,
    errorCount: 3,
  });
  t.same(sim.readRewritePrompt(lastUserText(messages)), {
    question: "Describe.",
    original,
    errorCount: 3,
  });
});

t.test("both sides read each other's rewrite outputs", async (t) => {
  const rewrite: trainer.Rewrite = {
    text: 'Three blue cats.\nA sign reads "EXIT".',
    errors: [
      { kind: "count", from: "Two", to: "Three" },
      { kind: "text", from: "OPEN", to: "EXIT" },
    ],
  };
  t.same(sim.parseRewriteOutput(trainer.formatRewriteOutput(rewrite)), rewrite);
  const report = parseRewriteReport(trainer.formatRewriteOutput(rewrite));
  t.same(report && { text: report.text, errors: report.errors }, rewrite);
});
