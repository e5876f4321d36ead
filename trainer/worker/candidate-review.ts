import { createPromotion } from "../../src/registry/promotion.ts";
import type { ShadowStats } from "../../src/store/shadow-stats.ts";
import { gatekeeperFor } from "../pipeline/env-gatekeeper.ts";
import type { TrainerEnv } from "../pipeline/iteration-runner.ts";
import type { IterationResult } from "../pipeline/run-iteration.ts";

export interface CandidateReviewOptions {
  env: TrainerEnv;
  shadow: ShadowStats;
  /** Applies a new champion in this process at once (the embedded trainer's gateway). */
  adopt?: (champion: string) => void;
  signal: AbortSignal;
}

/**
 * What the worker does after each iteration: the gates review the new candidate, which is
 * then promoted, held or rejected (see `createGatekeeper`). A review that fails (replicas
 * down, a benchmark unreadable) leaves the candidate a candidate and is reported, not retried
 * by rerunning the iteration.
 */
export function createCandidateReview(options: CandidateReviewOptions) {
  const { env } = options;
  const promotion = createPromotion({
    registry: env.registry,
    fleet: env.fleet,
    logger: env.logger,
    loadTimeoutMs: env.config.gates.loadTimeoutMs,
    replicaApiKey: env.config.engine.apiKey,
    quorum: env.config.gates.promotionQuorum,
    adopt: options.adopt,
  });
  const gatekeeper = gatekeeperFor(env, { ...options, promotion });
  return {
    async afterIteration(result: IterationResult): Promise<void> {
      try {
        await gatekeeper.review(result.candidate);
      } catch (error) {
        env.metrics?.reviewed("error");
        throw new Error(`review of ${result.candidate} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    close: () => promotion.close(),
  };
}
