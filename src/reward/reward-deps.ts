import type { JudgeMode } from "../core/types.ts";
import type { ImageIntake } from "../images/image-intake.ts";
import type { PairJudgingDeps } from "./judged-pairs.ts";
import type { TemplateOf } from "./openrlhf-items.ts";

/** What the reward service needs; every field is injected by the runtime (or a test). */
export interface RewardServiceDeps extends PairJudgingDeps {
  /** Checks a request's images up front; settles (resizes) them only for pairs sent. */
  intake: Pick<ImageIntake, "check" | "settle">;
  /** Whether a checkpoint is served by simulated replicas (said in every answer). */
  isSimulated(checkpoint: string): boolean;
  /** The champion now: resolved once per request and pinned, so no pair mixes checkpoints. */
  champion(): string | undefined;
  /** Judge mode when a request names none, and always for /get_reward (JURIST_REWARD_MODE). */
  defaultMode: JudgeMode;
  /** `/get_reward`: the policy template an item's query follows (default: detected). */
  templateOf?: TemplateOf | undefined;
  /** `/get_reward`: the reward of a failed item, or null (JURIST_REWARD_ON_FAILURE). */
  failureReward?: number | null | undefined;
}
