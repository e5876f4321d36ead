import t from "tap";
import * as sim from "../../src/sim/generator-prompts.ts";
import { lastUserText, readPrompt } from "../../src/sim/prompt-reader.ts";
import * as trainer from "../../trainer/core/generator-prompts.ts";
import { parseRewriteReport } from "../../trainer/core/rewrite-output.ts";

// Contract: the trainer owns the generator prompts; the simulated engine's copy must stay
// identical until it imports them from trainer/core/generator-prompts.ts.

const image = {
  sha256: "0".repeat(64),
  mime: "image/png" as const,
  dataUri: "data:image/png;base64,iVBORw0KGgo=",
  byteLength: 8,
};

t.test("the trainer's prompts are the simulated engine's, word for word", async (t) => {
  t.equal(trainer.GENERATOR_PROMPT_VERSION, sim.GENERATOR_PROMPT_VERSION);
  t.same(trainer.REWRITE_MARKERS, sim.REWRITE_MARKERS);
  t.same(trainer.ERROR_KINDS, sim.ERROR_KINDS);
  const answer = { question: "How many cups?", images: [image] };
  t.same(trainer.renderAnswerPrompt(answer), sim.renderAnswerPrompt(answer));
  const rewrite = {
    question: "Describe it.",
    images: [image],
    original: "Two red cups.",
    errorCount: 2,
  };
  t.same(trainer.renderRewritePrompt(rewrite), sim.renderRewritePrompt(rewrite));
});

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
  t.equal(trainer.formatRewriteOutput(rewrite), sim.formatRewriteOutput(rewrite));
  t.same(sim.parseRewriteOutput(trainer.formatRewriteOutput(rewrite)), rewrite);
  const report = parseRewriteReport(sim.formatRewriteOutput(rewrite));
  t.same(report && { text: report.text, errors: report.errors }, rewrite);
});
