import { pino } from "pino";
import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { createPairwiseJudge } from "../../../src/core/pairwise-judge.ts";
import type { JudgeEngine, ResolvedImage } from "../../../src/core/types.ts";
import type { RewardRequest } from "../../../src/reward/reward-request.ts";
import { createRewardService } from "../../../src/reward/reward-service.ts";
import { unreadableCompletion } from "../core/scripted-engine.ts";
import { createSlotEngine, type SlotScript, slotA } from "./slot-engine.ts";

const settings = {
  tieMargin: 0.1,
  temperature: 0,
  retryTemperature: 0.7,
  maxTokens: 64,
  topLogprobs: 5,
};

const IMAGE: ResolvedImage = {
  sha256: "a".repeat(64),
  mime: "image/png",
  dataUri: "data:image/png;base64,AAAA",
  byteLength: 3,
};

function service(
  engine: JudgeEngine,
  champion = "ckpt_champion",
  pairLatencyMs: number | null = null,
) {
  let resolved = 0;
  const reward = createRewardService({
    intake: {
      async check(images) {
        return images.map(() => ({ sha256: IMAGE.sha256, ready: IMAGE }));
      },
      async settle(checked) {
        resolved++;
        return checked.map(() => IMAGE);
      },
    },
    judge: createPairwiseJudge({ engine, settings }),
    isSimulated: () => false,
    champion: () => champion,
    latency: { pairLatencyMs: () => pairLatencyMs },
    concurrency: 3,
    defaultMode: "fast",
    logger: pino({ level: "silent" }),
  });
  return { ...reward, resolved: () => resolved };
}

const request = (fields: Partial<RewardRequest>): RewardRequest => ({
  question: "What is in the picture?",
  images: [],
  candidates: [],
  ...fields,
});

/** Slot A's probability for each (slot A, slot B) text pair; 0.5 otherwise. */
const table =
  (entries: Record<string, number>): SlotScript =>
  ({ slotA: a, slotB: b }) =>
    slotA(entries[`${a}|${b}`] ?? 0.5);

t.test("reference score is exactly logit P(candidate ≻ reference), both orders", async (t) => {
  // AB: the candidate in slot A at 0.8. BA: the reference in slot A at 0.4, so the candidate
  // is at 0.6 there. Both orders: 0.7.
  const slots = createSlotEngine(table({ "cat|ref": 0.8, "ref|cat": 0.4, "dog|ref": 0.3 }));
  const reward = await service(slots.engine).reward(
    request({ candidates: ["cat", "dog"], reference: "ref", images: [{ url: "https://x/a.png" }] }),
  );
  t.equal(reward.method, "reference");
  t.ok(Math.abs(reward.scores[0]! - Math.log(0.7 / 0.3)) < 1e-12, "ln(7/3)");
  t.ok(Math.abs(reward.scores[1]! - Math.log(0.4 / 0.6)) < 1e-12, "(0.3 + 0.5) / 2 = 0.4");
  t.same(reward.ranking, [0, 1]);
  t.same(reward.failures, []);
  t.same(reward.pairs, { total: 2, judged: 2, dropped: [] });
  t.equal(slots.calls(), 4, "two orders per candidate");
  t.equal(reward.checkpoint, "ckpt_champion");
  t.equal(reward.mode, "fast", "the configured default mode");
});

t.test("the champion is pinned once; images resolve once; the class is batch", async (t) => {
  const slots = createSlotEngine(() => slotA(0.7));
  const reward = service(slots.engine, "ckpt_7");
  const answer = await reward.reward(
    request({ candidates: ["a", "b", "c", "d"], images: [{ url: "https://x/a.png" }] }),
  );
  t.equal(answer.method, "round_robin", "no reference: round robin");
  t.equal(answer.pairs.total, 6);
  t.equal(reward.resolved(), 1, "images resolved once for 6 pairs");
  t.equal(slots.sessions.length, 6);
  t.ok(
    slots.sessions.every((s) => s.checkpoint === "ckpt_7"),
    "every pair pinned to ckpt_7",
  );
  t.ok(
    slots.sessions.every((s) => s.options?.priority === "batch"),
    "batch class by default",
  );
  t.ok(slots.peak() <= 6, "at most 3 pairs (6 calls) at once");

  await reward.reward(request({ candidates: ["a", "b"] }), { priority: "interactive" });
  t.equal(slots.sessions.at(-1)?.options?.priority, "interactive", "the caller's class wins");
});

t.test("round robin: a candidate whose every pair fails is a failure with a reason", async (t) => {
  const slots = createSlotEngine(({ slotA: a, slotB: b }) => {
    if (a === "broken" || b === "broken") throw new AppError("UPSTREAM_ERROR", "engine 500");
    return slotA(a < b ? 0.8 : 0.2); // alphabetical order is better
  });
  const answer = await service(slots.engine).reward(
    request({ candidates: ["b", "broken", "a", "c"], method: "round_robin" }),
  );
  t.equal(answer.scores[1], null);
  t.same(answer.failures, [
    {
      index: 1,
      reason: "every comparison failed (first: UPSTREAM_ERROR: the judge engine failed to answer)",
    },
  ]);
  t.same(answer.ranking, [2, 0, 3, 1], "a, b, c, then the failed one");
  t.equal(answer.pairs.total, 6);
  t.equal(answer.pairs.judged, 3);
  t.same(
    answer.pairs.dropped.map((d) => [d.a, d.b]),
    [
      [0, 1],
      [1, 2],
      [1, 3],
    ],
  );
  const sum = answer.scores.reduce((total: number, s) => total + (s ?? 0), 0);
  t.ok(Math.abs(sum) < 1e-9, "scores centred");
});

t.test("unreadable verdicts: every candidate fails with the judge's reason", async (t) => {
  const slots = createSlotEngine(() => unreadableCompletion());
  const reference = await service(slots.engine).reward(
    request({ candidates: ["a", "b"], reference: "r", mode: "reasoned" }),
  );
  t.same(reference.scores, [null, null]);
  t.equal(reference.failures.length, 2);
  t.match(reference.failures[0]!.reason, /^the judge abstained: no readable verdict/);
  t.same(reference.ranking, [0, 1]);
  const roundRobin = await service(slots.engine).reward(
    request({ candidates: ["a", "b", "c"], mode: "reasoned" }),
  );
  t.same(roundRobin.scores, [null, null, null]);
  t.equal(roundRobin.pairs.dropped.length, 3);
});

t.test("engine failures on every pair, or a bad pinned checkpoint, fail the request", async (t) => {
  const down = createSlotEngine(() => {
    throw new AppError("NO_HEALTHY_REPLICA", "none");
  });
  await t.rejects(
    service(down.engine).reward(request({ candidates: ["a", "b"], reference: "r" })),
    {
      code: "NO_HEALTHY_REPLICA",
    },
  );
  const unknown: JudgeEngine = {
    session: () => {
      throw new AppError("NOT_FOUND", "checkpoint 'x' is not served by any replica");
    },
  };
  await t.rejects(
    service(unknown).reward(request({ candidates: ["a", "b", "c"], checkpoint: "x" })),
    { code: "NOT_FOUND" },
  );
});

t.test("images are settled (resized) only when a pair is sent to the engine", async (t) => {
  const slots = createSlotEngine(() => slotA(0.7));
  // Pairs take 10 s here, so a request due in 1 s is refused before any pair starts.
  const slow = service(slots.engine, "ckpt_champion", 10_000);
  await t.rejects(
    slow.reward(request({ candidates: ["a", "b", "c"], images: [{ url: "https://x/a.png" }] }), {
      deadlineAt: Date.now() + 1000,
    }),
    { code: "DEADLINE_TOO_SHORT" },
  );
  t.equal(slow.resolved(), 0, "refused up front: no resize");
  t.equal(slots.calls(), 0);
  const openRlhf = slow.openRlhf(
    {
      query: ["q answer one", "q answer two"],
      prompts: ["q", "q"],
      labels: ["ref", "ref"],
      images: [[{ url: "https://x/a.png" }], [{ url: "https://x/a.png" }]],
    },
    { deadlineAt: Date.now() + 1000 },
  );
  await t.rejects(openRlhf, { code: "DEADLINE_TOO_SHORT" });
  t.equal(slow.resolved(), 0, "nor for /get_reward");
});
