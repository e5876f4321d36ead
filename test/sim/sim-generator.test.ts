import t from "tap";
import { extractStatedAnswer } from "../../sim/question-form.ts";
import {
  closedSample,
  flawedRewrite,
  hiddenAnswer,
  soundResponse,
} from "../../sim/sim-generator.ts";
import { compareQuality, normaliseText, qualityOf } from "../../sim/text-quality.ts";

const QUESTIONS = ["Describe the image.", "What is happening with the dogs here?", "Caption this."];

t.test("sound responses are sound, deterministic and vary with the seed", async (t) => {
  const texts = new Set<string>();
  for (let seed = 0; seed < 60; seed++) {
    const text = soundResponse(QUESTIONS[seed % 3]!, seed);
    t.equal(qualityOf(text).class, "sound");
    t.equal(soundResponse(QUESTIONS[seed % 3]!, seed), text);
    texts.add(text);
  }
  t.ok(texts.size >= 58, `${texts.size} distinct of 60`);
  t.match(
    soundResponse("How do the dogs look?", 1),
    /\bdogs\b/,
    "uses an object the question names",
  );
});

t.test("a rewrite is flawed, differs, keeps the length, and lists checkable errors", async (t) => {
  for (let seed = 0; seed < 60; seed++) {
    const original = soundResponse("Describe the image.", `orig-${seed}`);
    const rewrite = flawedRewrite(original, seed, { errorCount: 1 + (seed % 3) });
    t.equal(qualityOf(rewrite.text).class, "flawed");
    t.not(normaliseText(rewrite.text), normaliseText(original));
    t.equal(compareQuality(original, rewrite.text), 1, "the original is truly better");
    const ratio = rewrite.text.length / original.length;
    t.ok(ratio >= 0.7 && ratio <= 1.3, `length ratio ${ratio.toFixed(2)}`);
    t.ok(rewrite.errors.length >= 1 && rewrite.errors.length <= 1 + (seed % 3) + 1);
    for (const error of rewrite.errors) {
      t.not(error.from, error.to, `${error.kind} changes something`);
      t.ok(rewrite.text.includes(error.to), `rewrite says ${error.to}`);
      if (error.from) t.ok(original.includes(error.from), `original said ${error.from}`);
    }
    t.same(flawedRewrite(original, seed, { errorCount: 1 + (seed % 3) }), rewrite, "deterministic");
  }
});

t.test("a text with nothing to substitute still gets a flawed rewrite", async (t) => {
  const original = "Hello there. It is a nice day for a walk.";
  const rewrite = flawedRewrite(original, 7);
  t.equal(qualityOf(rewrite.text).class, "flawed");
  t.not(rewrite.text, original);
  t.equal(rewrite.errors[0]?.kind, "object");
});

t.test("closed samples: correct ones are sound, wrong ones flawed, accuracy as set", async (t) => {
  const question = "How many birds are on the fence?";
  const truth = hiddenAnswer(question);
  t.match(truth, /^[1-9]$/);
  t.equal(hiddenAnswer(question), truth, "every replica agrees on the answer");
  t.equal(hiddenAnswer("Describe the image."), null);
  t.equal(closedSample("Describe the image.", 1, { accuracy: 0.6 }), null);
  let correct = 0;
  for (let seed = 0; seed < 400; seed++) {
    const sample = closedSample(question, seed, { accuracy: 0.6 })!;
    t.equal(sample.correct, sample.answer === truth);
    t.equal(qualityOf(sample.text).class, sample.correct ? "sound" : "flawed");
    t.equal(extractStatedAnswer(sample.text), sample.answer);
    if (sample.correct) correct++;
  }
  t.ok(correct > 400 * 0.52 && correct < 400 * 0.68, `${correct}/400 correct at 0.6`);
});

t.test("hidden answers follow the question's form", async (t) => {
  t.match(hiddenAnswer("Is the cat asleep?"), /^(yes|no)$/);
  t.match(hiddenAnswer("Which animal is shown? A. cat B. dog C. horse"), /^[ABC]$/);
  t.match(hiddenAnswer("Answer with the option letter: which colour is the car?"), /^[ABCD]$/);
});
