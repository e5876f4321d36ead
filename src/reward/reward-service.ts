import {
  type RewardScores,
  referenceScores,
  roundRobinPairs,
  roundRobinScores,
} from "../core/reward-scores.ts";
import {
  type JudgedPairs,
  judgePairs,
  type PairContext,
  type PairTask,
  settledOnce,
} from "./judged-pairs.ts";
import { createOpenRlhfRewards } from "./openrlhf-rewards.ts";
import { rewardMethodOf } from "./reward-cost.ts";
import type { RewardServiceDeps } from "./reward-deps.ts";
import type { Reward, RewardRequest } from "./reward-request.ts";

/** Per-call context from the transport. */
export type RewardContext = PairContext;

/**
 * Reward scores for RLHF, transport-free: `reward` is `POST /v1/reward` (and gRPC Reward),
 * `openRlhf` is `POST /get_reward`; both answer domain objects the transports map. Images are
 * checked once per request up front, and resized once, when the first pair is sent; pairs
 * go through the pairwise judge, both orders each, under the request's concurrency and deadline.
 * Reward traffic skips the verdict cache, prompt collection and shadowing: it is bulk scoring of
 * a policy's own samples, which would crowd interactive prompts out of the training stream.
 */
export function createRewardService(deps: RewardServiceDeps) {
  async function reward(request: RewardRequest, context: RewardContext = {}): Promise<Reward> {
    const started = performance.now();
    const method = rewardMethodOf(request);
    const mode = request.mode ?? deps.defaultMode;
    const checked = await deps.intake.check(
      request.images,
      context.signal,
      context.inflight ?? undefined,
    );
    const images = settledOnce((signal) => deps.intake.settle(checked, signal));
    const pinned = request.checkpoint ?? deps.champion();
    const task = (a: string, b: string): PairTask => ({
      question: request.question,
      images,
      responses: [a, b],
      mode,
      swap: true,
      checkpoint: pinned,
      priority: context.priority ?? "batch",
    });
    const { scored, judged } =
      method === "reference"
        ? await againstReference(request.candidates, request.reference!, task, context)
        : await roundRobin(request.candidates, task, context);
    const checkpoint = judged.checkpoint ?? pinned ?? "";
    return {
      ...scoreSummary(scored, judged),
      method,
      mode,
      checkpoint,
      simulated: deps.isSimulated(checkpoint),
      latencyMs: Math.round(performance.now() - started),
    };
  }

  type Scored = { scored: RewardScores; judged: JudgedPairs };
  type TaskOf = (a: string, b: string) => PairTask;

  async function againstReference(
    candidates: readonly string[],
    reference: string,
    task: TaskOf,
    context: RewardContext,
  ): Promise<Scored> {
    const judged = await judgePairs(
      candidates.map((candidate) => task(candidate, reference)),
      deps,
      context,
    );
    return { scored: referenceScores(judged.results), judged };
  }

  async function roundRobin(
    candidates: readonly string[],
    task: TaskOf,
    context: RewardContext,
  ): Promise<Scored> {
    const pairs = roundRobinPairs(candidates.length);
    const judged = await judgePairs(
      pairs.map(([a, b]) => task(candidates[a]!, candidates[b]!)),
      deps,
      context,
    );
    const results = pairs.map(([a, b], k) => ({ a, b, result: judged.results[k]! }));
    return { scored: roundRobinScores(candidates.length, results), judged };
  }

  return { reward, openRlhf: createOpenRlhfRewards(deps) };
}

/** The scores, ranking, failures and pair counts of an answer. */
function scoreSummary(scored: RewardScores, judged: JudgedPairs) {
  const readable = judged.results.filter((r) => "verdict" in r && r.verdict.outcome !== "abstain");
  return {
    scores: scored.scores,
    ranking: scored.ranking,
    failures: scored.failures,
    pairs: { total: judged.results.length, judged: readable.length, dropped: scored.dropped },
  };
}

export type RewardService = ReturnType<typeof createRewardService>;
export type { RewardServiceDeps };
