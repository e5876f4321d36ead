import t from "tap";
import { parseRewriteOutput } from "../../sim/generator-prompts.ts";
import { extractStatedAnswer } from "../../sim/question-form.ts";
import { hiddenAnswer } from "../../sim/sim-generator.ts";
import { normaliseText, qualityOf } from "../../sim/text-quality.ts";
import { renderAnswerPrompt, renderRewritePrompt } from "../../src/core/generator-prompts.ts";
import { chat, mapLimit, startSim } from "./sim-client.ts";

t.test("open questions get sound, deterministic descriptive answers", async (t) => {
  const sim = await startSim(t);
  const messages = renderAnswerPrompt({ question: "What do you see in this photo?", images: [] });
  const result = await chat(sim, { messages, n: 4, seed: 2 });
  for (const choice of result.json.choices) {
    t.equal(qualityOf(choice.message.content).class, "sound");
  }
});

t.test("rewrite requests: flawed, different, similar length, errors named", async (t) => {
  const sim = await startSim(t);
  for (let i = 0; i < 20; i++) {
    const answer = await chat(sim, {
      messages: renderAnswerPrompt({ question: "Describe the image.", images: [] }),
      seed: i,
    });
    const original: string = answer.json.choices[0].message.content;
    t.equal(qualityOf(original).class, "sound", "the original is sound");
    const messages = renderRewritePrompt({
      question: "Describe the image.",
      images: [],
      original,
      errorCount: 2,
    });
    const result = await chat(sim, { messages, seed: i });
    const rewrite = parseRewriteOutput(result.json.choices[0].message.content);
    if (!rewrite) {
      t.fail("rewrite output lacks its markers");
      continue;
    }
    t.equal(qualityOf(rewrite.text).class, "flawed", "the rewrite is flawed");
    t.not(normaliseText(rewrite.text), normaliseText(original));
    const ratio = rewrite.text.length / original.length;
    t.ok(ratio >= 0.7 && ratio <= 1.3, `length ratio ${ratio.toFixed(2)}`);
    t.equal(rewrite.errors.length, 2);
    for (const error of rewrite.errors) {
      t.match(error.kind, /^(count|attribute|object|spatial|text)$/);
      t.not(error.to, error.from);
      t.ok(original.includes(error.from) && rewrite.text.includes(error.to));
    }
  }
});

const CLOSED = [
  ...Array.from({ length: 10 }, (_, i) => `How many cups are on table ${i}?`),
  ...Array.from({ length: 5 }, (_, i) => `Which shape is number ${i}? A. circle B. square C. star`),
  ...Array.from({ length: 5 }, (_, i) => `Is the lamp number ${i} switched on?`),
];

t.test("closed sampling: 16 samples, mostly the hidden answer at accuracy 0.6", async (t) => {
  const sim = await startSim(t, { generatorAccuracy: 0.6 });
  const outcomes = await mapLimit(CLOSED, 4, async (question) => {
    const messages = renderAnswerPrompt({ question, images: [] });
    const result = await chat(sim, { messages, n: 16, temperature: 0.6, top_k: 50, top_p: 0.9 });
    const texts: string[] = result.json.choices.map(
      (c: { message: { content: string } }) => c.message.content,
    );
    const answers = texts.map((text) => extractStatedAnswer(text));
    const truth = hiddenAnswer(question);
    for (const [i, text] of texts.entries()) {
      t.equal(qualityOf(text).class, answers[i] === truth ? "sound" : "flawed");
    }
    const votes = new Map<string | null, number>();
    for (const answer of answers) votes.set(answer, (votes.get(answer) ?? 0) + 1);
    const top = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return {
      correct: answers.filter((a) => a === truth).length,
      majorityIsTruth: top[0] === truth,
      distinct: new Set(texts).size,
    };
  });
  const correct = outcomes.reduce((sum, o) => sum + o.correct, 0);
  const share = correct / (16 * CLOSED.length);
  t.ok(Math.abs(share - 0.6) < 0.08, `share correct ${share.toFixed(3)}`);
  const majorities = outcomes.filter((o) => o.majorityIsTruth).length;
  t.ok(majorities >= 16, `the hidden answer is the majority in ${majorities}/20 questions`);
  t.ok(
    outcomes.every((o) => o.distinct >= 14),
    "samples of one request differ",
  );
});

t.test("generatorAccuracy moves the share of correct samples", async (t) => {
  const low = await startSim(t, { generatorAccuracy: 0.2 });
  const high = await startSim(t, { generatorAccuracy: 0.95 });
  const question = "How many boats are in the harbour?";
  const messages = renderAnswerPrompt({ question, images: [] });
  const share = async (sim: typeof low) => {
    const result = await chat(sim, { messages, n: 32 });
    const truth = hiddenAnswer(question);
    return (
      result.json.choices.filter(
        (c: { message: { content: string } }) => extractStatedAnswer(c.message.content) === truth,
      ).length / 32
    );
  };
  const [lowShare, highShare] = [await share(low), await share(high)];
  t.ok(lowShare < 0.45 && highShare > 0.8, `low ${lowShare}, high ${highShare}`);
});
