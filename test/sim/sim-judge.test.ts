import t from "tap";
import type { SimServer } from "../../sim/sim-server.ts";
import {
  closedPair,
  describedPair,
  resolvedImage,
  sceneFor,
  worldImage,
} from "../helpers/sim-world.ts";
import { chat, judgeMessages, mapLimit, startSim, verdictOf } from "./sim-client.ts";

/**
 * 400 pairs with known truth, each about its own image: a true description against the same
 * description with one false claim, or a closed question's gold answer against a wrong one.
 * Each pair differs in one checkable claim, so a judge of accuracy a is right at rate a.
 */
const PAIRS = Array.from({ length: 400 }, (_, i) => {
  const image = worldImage(`judge-pair-${i}`);
  const scene = sceneFor([image], "");
  if (i % 2 === 0) {
    const pair = describedPair(scene, `judge-pair-${i}`);
    return { question: "Describe the image.", image, ...pair };
  }
  const skills = ["counting", "attributes", "spatial", "text", "existence", "reasoning"] as const;
  const pair = closedPair(scene, skills[(i >> 1) % skills.length]!, `judge-pair-${i}`);
  return { question: pair.question, image, better: pair.better, worse: pair.worse };
});

type Pair = (typeof PAIRS)[number];

const messagesFor = (pair: Pair, a: string, b: string, mode: "reasoned" | "fast" = "reasoned") =>
  judgeMessages(a, b, mode, pair.question, [resolvedImage(pair.image)]);

interface Judged {
  betterFirst: boolean;
  correct: boolean;
  /** P(named letter) renormalised over A and B from the verdict token's top_logprobs. */
  confidence: number;
}

type TopLogprob = { token: string; logprob: number };

function renormalised(top: TopLogprob[], letter: string): number {
  const p = (token: string) => Math.exp(top.find((alt) => alt.token === token)?.logprob ?? -1e9);
  return p(letter) / (p("A") + p("B"));
}

async function judgeAll(sim: SimServer): Promise<Judged[]> {
  const jobs = PAIRS.flatMap((pair, i) => [
    { i, pair, betterFirst: true, a: pair.better, b: pair.worse },
    { i, pair, betterFirst: false, a: pair.worse, b: pair.better },
  ]);
  return mapLimit(jobs, 16, async (job) => {
    const result = await chat(sim, {
      messages: messagesFor(job.pair, job.a, job.b),
      seed: job.i,
      logprobs: true,
      top_logprobs: 5,
    });
    const choice = result.json.choices[0];
    const letter = verdictOf(choice.message.content)!;
    const tokens: Array<{ token: string; top_logprobs: TopLogprob[] }> = choice.logprobs.content;
    const at = tokens.findLastIndex((token) => token.token === "[[") + 1;
    return {
      betterFirst: job.betterFirst,
      correct: letter === (job.betterFirst ? "A" : "B"),
      confidence: renormalised(tokens[at]!.top_logprobs, letter),
    };
  });
}

const rate = (items: Judged[]) => items.filter((j) => j.correct).length / items.length;
const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;

for (const { accuracy, positionBias } of [
  { accuracy: 0.8, positionBias: 0.3 },
  { accuracy: 0.9, positionBias: 0 },
]) {
  t.test(`accuracy ${accuracy}, position bias ${positionBias}, over 400 pairs`, async (t) => {
    const sim = await startSim(t, { accuracy, positionBias, seed: 3 });
    const judged = await judgeAll(sim);
    const first = judged.filter((j) => j.betterFirst);
    const second = judged.filter((j) => !j.betterFirst);
    // Standard errors at n = 400 are about 0.02 per order and 0.03 for the difference.
    const expected = positionBias / 2 + (1 - positionBias) * accuracy;
    t.ok(Math.abs(rate(judged) - expected) < 0.06, `accuracy ${rate(judged)} vs ${expected}`);
    const bias = rate(first) - rate(second);
    t.ok(Math.abs(bias - positionBias) < 0.1, `bias ${bias.toFixed(3)} vs ${positionBias}`);
    const right = mean(judged.filter((j) => j.correct).map((j) => j.confidence));
    const wrong = mean(judged.filter((j) => !j.correct).map((j) => j.confidence));
    t.ok(
      right > wrong + 0.05,
      `confidence when right ${right.toFixed(3)} > wrong ${wrong.toFixed(3)}`,
    );
    t.ok(
      judged.every((j) => j.confidence > 0.5),
      "the named letter is always the likelier one",
    );
  });
}

t.test("the image decides: the same texts judged against another image's scene", async (t) => {
  const sim = await startSim(t, { accuracy: 1, positionBias: 0 });
  const pair = PAIRS[0]!;
  const named = async (image: Buffer) => {
    const messages = judgeMessages(pair.better, pair.worse, "fast", pair.question, [
      resolvedImage(image),
    ]);
    const result = await chat(sim, { messages, guided_choice: ["A", "B"] });
    return result.json.choices[0].message.content;
  };
  t.equal(await named(pair.image), "A", "a perfect judge names the true description");
  const others = await Promise.all(
    Array.from({ length: 12 }, (_, i) => named(worldImage(`unrelated-${i}`))),
  );
  t.ok(others.includes("B"), `against unrelated images it does not always (${others.join("")})`);
});

t.test(
  "reasoned verdicts: simulated reasoning about both assistants, final [[X]] line",
  async (t) => {
    const sim = await startSim(t);
    const pair = PAIRS[1]!;
    const result = await chat(sim, {
      messages: messagesFor(pair, pair.worse, pair.better),
      n: 8,
      seed: 1,
    });
    for (const choice of result.json.choices) {
      const content: string = choice.message.content;
      t.match(content, /simulated judge/);
      t.match(content, /Assistant A/);
      t.match(content, /Assistant B/);
      t.match(content.split("\n").at(-1), /^\[\[[AB]\]\]$/);
    }
  },
);

t.test("verdict token logprobs carry A and B with the judge's confidence", async (t) => {
  const sim = await startSim(t);
  const pair = PAIRS[0]!;
  const result = await chat(sim, {
    messages: messagesFor(pair, pair.better, pair.worse),
    logprobs: true,
    top_logprobs: 20,
  });
  const choice = result.json.choices[0];
  const letter = verdictOf(choice.message.content)!;
  const tokens: Array<{ token: string; logprob: number; top_logprobs: TopLogprob[] }> =
    choice.logprobs.content;
  t.same(
    tokens.slice(-3).map((token) => token.token),
    ["[[", letter, "]]"],
    "the verdict letter is a token of its own",
  );
  const verdict = tokens.at(-2)!;
  t.equal(verdict.top_logprobs.length, 20);
  t.same(
    verdict.top_logprobs.slice(0, 2).map((alt) => alt.token),
    [letter, letter === "A" ? "B" : "A"],
  );
  t.equal(verdict.logprob, verdict.top_logprobs[0]!.logprob);
  const p = Math.exp(verdict.logprob);
  t.ok(p >= 0.5 && p < 0.99, `confidence ${p}`);
  t.ok(renormalised(verdict.top_logprobs, letter) > 0.5);
  for (const token of tokens) t.equal(token.top_logprobs.length, 20);
});

t.test("a choice constraint gives exactly the letter, via either field", async (t) => {
  const sim = await startSim(t);
  const pair = PAIRS[1]!;
  const messages = messagesFor(pair, pair.better, pair.worse, "fast");
  for (const constraint of [
    { structured_outputs: { choice: ["A", "B"] } },
    { guided_choice: ["A", "B"] },
  ]) {
    const result = await chat(sim, {
      messages,
      n: 16,
      logprobs: true,
      top_logprobs: 5,
      ...constraint,
    });
    for (const choice of result.json.choices) {
      t.match(choice.message.content, /^[AB]$/);
      t.equal(choice.logprobs.content.length, 1);
      const top: TopLogprob[] = choice.logprobs.content[0].top_logprobs;
      t.same(
        top
          .slice(0, 2)
          .map((alt) => alt.token)
          .sort(),
        ["A", "B"],
      );
      t.equal(top[0]!.token, choice.message.content);
    }
  }
});

t.test("invalidRate 1 gives reasoned outputs without a verdict marker", async (t) => {
  const sim = await startSim(t, { invalidRate: 1 });
  const messages = judgeMessages("one", "two");
  const result = await chat(sim, { messages, n: 8 });
  for (const choice of result.json.choices) {
    t.notMatch(choice.message.content, /\[\[|\]\]/);
    t.match(choice.message.content, /simulated judge/);
  }
  const fast = await chat(sim, { messages, guided_choice: ["A", "B"] });
  t.match(fast.json.choices[0].message.content, /^[AB]$/, "constrained choices stay valid");
});

t.test("an identical pair is a true tie: the judge is no surer of either letter", async (t) => {
  const sim = await startSim(t, { positionBias: 0 });
  const pair = PAIRS[0]!;
  const result = await chat(sim, {
    messages: messagesFor(pair, pair.better, pair.better),
    n: 8,
    logprobs: true,
    top_logprobs: 5,
  });
  for (const choice of result.json.choices) {
    const tokens: Array<{ token: string; top_logprobs: TopLogprob[] }> = choice.logprobs.content;
    const at = tokens.findLastIndex((token) => token.token === "[[") + 1;
    const letter = verdictOf(choice.message.content)!;
    const confidence = renormalised(tokens[at]!.top_logprobs, letter);
    t.ok(confidence < 0.52, `a tie gives confidence ≈ 0.5 (${confidence.toFixed(3)})`);
    t.match(choice.message.content, /Assistant A uses \d+ words and Assistant B uses \d+ words/);
  }
});
