import t from "tap";
import { parseRewriteOutput } from "../../sim/generator-prompts.ts";
import { claimHolds, claimsOf } from "../../sim/world/claims.ts";
import { extractStatedAnswer } from "../../sim/world/question-form.ts";
import { CLOSED_SKILLS, closedQuestion, goldAnswer } from "../../sim/world/questions.ts";
import { renderAnswerPrompt, renderRewritePrompt } from "../../src/core/generator-prompts.ts";
import { createRandom } from "../../src/core/seeded-random.ts";
import { pairTruth, resolvedImage, sceneFor, worldImage } from "../helpers/sim-world.ts";
import { chat, mapLimit, startSim } from "./sim-client.ts";

/** The simulated generator over HTTP: it answers about the scene of the prompt's image. */

const image = worldImage("generation");
const scene = sceneFor([image], "");
const images = [resolvedImage(image)];

t.test("open questions get descriptions of the image's scene, deterministic", async (t) => {
  const sim = await startSim(t, { generatorAccuracy: 1 });
  const messages = renderAnswerPrompt({ question: "What do you see in this photo?", images });
  const result = await chat(sim, { messages, n: 4, seed: 2 });
  for (const choice of result.json.choices) {
    const claims = claimsOf(choice.message.content, null);
    t.ok(claims.length >= 5, `${claims.length} claims`);
    t.ok(
      claims.every((claim) => claimHolds(claim, scene, null)),
      "a generator of accuracy 1 states only what the image shows",
    );
  }
  const again = await chat(sim, { messages, n: 4, seed: 2 });
  t.same(again.json.choices, result.json.choices, "same request, same answers");
});

t.test("rewrite requests: mostly worse, errors named, each one a changed sentence", async (t) => {
  const sim = await startSim(t);
  let worse = 0;
  for (let i = 0; i < 20; i++) {
    const answer = await chat(sim, {
      messages: renderAnswerPrompt({ question: "Describe the image.", images }),
      seed: i,
    });
    const original: string = answer.json.choices[0].message.content;
    const messages = renderRewritePrompt({
      question: "Describe the image.",
      images,
      original,
      errorCount: 2,
    });
    const result = await chat(sim, { messages, seed: i });
    const rewrite = parseRewriteOutput(result.json.choices[0].message.content);
    if (!rewrite) {
      t.fail("rewrite output lacks its markers");
      continue;
    }
    t.not(rewrite.text, original);
    if (pairTruth("Describe the image.", scene, original, rewrite.text) === 1) worse++;
    t.ok(rewrite.errors.length >= 1 && rewrite.errors.length <= 2, `${rewrite.errors.length}`);
    for (const error of rewrite.errors) {
      t.match(error.kind, /^(count|attribute|object|spatial|text)$/);
      t.not(error.to, error.from);
      t.ok(original.includes(error.from) && rewrite.text.includes(error.to));
    }
  }
  // A rewrite is no worse only when both errors rephrase or land on uncheckable materials.
  t.ok(worse >= 15, `${worse}/20 rewrites are truly worse than their original`);
});

const CLOSED = Array.from({ length: 24 }, (_, i) => {
  const bytes = worldImage(`closed-${i}`);
  const s = sceneFor([bytes], "");
  const skill = CLOSED_SKILLS[i % CLOSED_SKILLS.length]!;
  const question = closedQuestion(skill, s, createRandom("closed", i));
  return { question, images: [resolvedImage(bytes)], gold: goldAnswer(question, s)! };
});

async function sampleAll(sim: Awaited<ReturnType<typeof startSim>>, n: number) {
  return mapLimit(CLOSED, 4, async ({ question, images, gold }) => {
    const messages = renderAnswerPrompt({ question, images });
    const result = await chat(sim, { messages, n, temperature: 0.6, top_k: 50, top_p: 0.9 });
    const texts: string[] = result.json.choices.map(
      (c: { message: { content: string } }) => c.message.content,
    );
    const answers = texts.map((text) => extractStatedAnswer(text));
    const votes = new Map<string | null, number>();
    for (const answer of answers) votes.set(answer, (votes.get(answer) ?? 0) + 1);
    const top = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return {
      correct: answers.filter((a) => a === gold).length,
      majorityIsGold: top[0] === gold,
      distinct: new Set(texts).size,
    };
  });
}

t.test("closed sampling: 16 samples, the gold answer at about the set accuracy", async (t) => {
  const sim = await startSim(t, { generatorAccuracy: 0.8 });
  const outcomes = await sampleAll(sim, 16);
  const share = outcomes.reduce((sum, o) => sum + o.correct, 0) / (16 * CLOSED.length);
  // Each question's own difficulty spreads its accuracy, pulling the mean toward 0.5.
  t.ok(share > 0.62 && share < 0.85, `share correct ${share.toFixed(3)} at 0.8`);
  const majorities = outcomes.filter((o) => o.majorityIsGold).length;
  t.ok(majorities >= 16, `the gold answer is the majority in ${majorities}/24 questions`);
  t.ok(
    outcomes.every((o) => o.distinct >= 4),
    "samples of one request differ",
  );
});

t.test("generatorAccuracy moves the share of correct samples", async (t) => {
  const share = async (generatorAccuracy: number) => {
    const outcomes = await sampleAll(await startSim(t, { generatorAccuracy }), 8);
    return outcomes.reduce((sum, o) => sum + o.correct, 0) / (8 * CLOSED.length);
  };
  const [low, high] = [await share(0.2), await share(0.95)];
  t.ok(low < 0.4 && high > 0.75, `low ${low.toFixed(3)}, high ${high.toFixed(3)}`);
});
