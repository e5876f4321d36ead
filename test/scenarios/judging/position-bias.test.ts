import t from "tap";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { describedPair, pairTruth, sceneFor } from "../../helpers/sim-world.ts";

/**
 * The debiasing claim, end to end: a judge with position bias 0.3 and accuracy 0.8 behind the
 * real gateway, over pairs whose better response is first in half of them. Each question is
 * its own scene (no image, so the engine reads the scene from the question): the better
 * response describes it truly, the worse one gets one claim wrong.
 * Both replicas share a seed so the outcome does not depend on routing: the run is
 * reproducible and its statistics are those of one fixed sample.
 */

const PAIRS = 600;
const BIAS = 0.3;
const ACCURACY = 0.8;

interface Pair {
  question: string;
  responses: [string, string];
  better: "A" | "B";
}

function makePairs(): Pair[] {
  return Array.from({ length: PAIRS }, (_, i) => {
    const question = `Describe what is happening in photo number ${i}.`;
    const { better: sound, worse: flawed } = describedPair(sceneFor([], question), `bias-${i}`);
    const betterFirst = i % 2 === 0;
    return {
      question,
      responses: betterFirst ? [sound, flawed] : [flawed, sound],
      better: betterFirst ? "A" : "B",
    };
  });
}

/** Tie counts half, as RewardBench scores a generative judge's tie. */
function credit(verdict: VerdictWire, better: "A" | "B"): number {
  if (verdict.winner === "tie") return 0.5;
  return verdict.winner === better ? 1 : 0;
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

async function judgeAll(
  inject: (items: unknown[]) => Promise<VerdictWire[]>,
  pairs: Pair[],
  swap: boolean,
): Promise<VerdictWire[]> {
  const verdicts: VerdictWire[] = [];
  for (let start = 0; start < pairs.length; start += 200) {
    const items = pairs
      .slice(start, start + 200)
      .map((p) => ({ question: p.question, responses: p.responses, swap }));
    verdicts.push(...(await inject(items)));
  }
  return verdicts;
}

t.test("swap-debiasing removes the judge's position bias", async (t) => {
  const pairs = makePairs();
  for (const pair of pairs) {
    const [a, b] = pair.responses;
    const truth = pairTruth(pair.question, sceneFor([], pair.question), a, b) === 1 ? "A" : "B";
    if (truth !== pair.better) t.fail(`generator broke the truth for ${pair.question}`);
  }
  const { fastify } = await startGateway(t, {
    replicas: 2,
    sim: { seed: 11, positionBias: BIAS, accuracy: ACCURACY },
    env: { JURIST_BATCH_CONCURRENCY: "16" },
  });
  const inject = async (items: unknown[]) => {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/batch",
      payload: { items },
    });
    const results = response.json().results as { verdict?: VerdictWire }[];
    return results.map((r) => {
      if (!r.verdict) throw new Error(`item failed: ${JSON.stringify(r)}`);
      return r.verdict;
    });
  };

  const single = await judgeAll(inject, pairs, false);
  const swapped = await judgeAll(inject, pairs, true);
  const firstIdx = pairs.flatMap((p, i) => (p.better === "A" ? [i] : []));
  const secondIdx = pairs.flatMap((p, i) => (p.better === "B" ? [i] : []));
  const accuracy = (verdicts: VerdictWire[], idx: number[]) =>
    mean(idx.map((i) => credit(verdicts[i]!, pairs[i]!.better)));

  const singleBias = accuracy(single, firstIdx) - accuracy(single, secondIdx);
  const swappedBias = accuracy(swapped, firstIdx) - accuracy(swapped, secondIdx);
  const singleAccuracy = accuracy(single, [...firstIdx, ...secondIdx]);
  const swappedAccuracy = accuracy(swapped, [...firstIdx, ...secondIdx]);
  const firstSlotRate = mean(single.map((v) => (v.winner === "A" ? 1 : 0)));
  const consistentRate = mean(swapped.map((v) => (v.consistent ? 1 : 0)));
  const tieRate = mean(swapped.map((v) => (v.winner === "tie" ? 1 : 0)));

  t.comment(
    JSON.stringify({
      pairs: PAIRS,
      single: { accuracy: singleAccuracy, bias: singleBias, first_slot_rate: firstSlotRate },
      swapped: {
        accuracy: swappedAccuracy,
        bias: swappedBias,
        consistent_rate: consistentRate,
        tie_rate: tieRate,
      },
    }),
  );

  // Standard error of a difference of two accuracies over 300 items each is about 0.04: the
  // bounds below are roughly three of them.
  t.ok(Math.abs(singleBias - BIAS) < 0.12, `single-order bias ${singleBias} ≈ ${BIAS}`);
  t.ok(firstSlotRate > 0.55, `single order favours the first slot (${firstSlotRate})`);
  t.ok(Math.abs(swappedBias) < 0.12, `swap-debiased bias ${swappedBias} ≈ 0`);
  t.ok(
    swappedAccuracy >= singleAccuracy,
    `swap-debiased accuracy ${swappedAccuracy} ≥ single ${singleAccuracy}`,
  );
  t.ok(
    single.every((v) => v.orders.length === 1 && v.consistent === null),
    "swap off: one order",
  );
  t.ok(
    swapped.every((v) => v.orders.length === 2),
    "swap on: two orders",
  );
  t.ok(consistentRate > 0.3 && consistentRate < 0.95, `consistent rate ${consistentRate}`);
});
