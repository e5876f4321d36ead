import { create } from "@bufbuild/protobuf";
import type { RewardRequestInput } from "../reward/reward-checks.ts";
import type { Reward } from "../reward/reward-request.ts";
import {
  JudgeMode,
  RewardMethod,
  type RewardRequest,
  type RewardResponse,
  RewardResponseSchema,
} from "./gen/jurist/v1/judge_pb.ts";
import { imageFromProto, modeName } from "./judge-proto.ts";

/**
 * `jurist.v1.RewardRequest` / `RewardResponse` to and from the reward service's domain types:
 * requests are decoded for `checkRewardRequest`, answers leave field for field as
 * `POST /v1/reward` has them.
 */

const METHOD_NAMES: Partial<Record<RewardMethod, string>> = {
  [RewardMethod.REFERENCE]: "reference",
  [RewardMethod.ROUND_ROBIN]: "round_robin",
};
const METHODS = { reference: RewardMethod.REFERENCE, round_robin: RewardMethod.ROUND_ROBIN };
const MODES = { reasoned: JudgeMode.REASONED, fast: JudgeMode.FAST };

/**
 * A reward request for `checkRewardRequest`: unspecified enums are left undefined (so the
 * service's defaults apply), an unknown number is kept for the checks to refuse. Throws
 * UNSUPPORTED_MEDIA for image bytes that are not an image.
 */
export function rewardRequestFromProto(message: RewardRequest): RewardRequestInput {
  return {
    question: message.question,
    images: message.images.map(imageFromProto),
    candidates: message.candidates,
    reference: message.reference,
    method:
      message.method === RewardMethod.UNSPECIFIED
        ? undefined
        : (METHOD_NAMES[message.method] ?? String(message.method)),
    mode: message.mode === JudgeMode.UNSPECIFIED ? undefined : modeName(message.mode),
    checkpoint: message.checkpoint,
  };
}

/** A reward as a `jurist.v1.RewardResponse`; a null score is an unset one. */
export function rewardToProto(reward: Reward): RewardResponse {
  return create(RewardResponseSchema, {
    scores: reward.scores.map((score) => ({ score: score ?? undefined })),
    ranking: reward.ranking,
    failures: reward.failures,
    method: METHODS[reward.method],
    checkpoint: reward.checkpoint,
    mode: MODES[reward.mode],
    simulated: reward.simulated,
    pairs: reward.pairs,
    latencyMs: reward.latencyMs,
  });
}
