import { create } from "@bufbuild/protobuf";
import type { RewardWire } from "../http/wire/reward-schema.ts";
import {
  JudgeMode,
  RewardMethod,
  type RewardRequest,
  type RewardResponse,
  RewardResponseSchema,
} from "./gen/jurist/v1/judge_pb.ts";
import { imageFromProto } from "./judge-proto.ts";

/**
 * `jurist.v1.RewardRequest` / `RewardResponse` to and from the JSON API's shapes, so gRPC
 * validates with the same zod schema as `POST /v1/reward` and answers field for field.
 */

const METHOD_NAMES: Partial<Record<RewardMethod, string>> = {
  [RewardMethod.REFERENCE]: "reference",
  [RewardMethod.ROUND_ROBIN]: "round_robin",
};
const METHODS = { reference: RewardMethod.REFERENCE, round_robin: RewardMethod.ROUND_ROBIN };
const MODE_NAMES: Partial<Record<JudgeMode, string>> = {
  [JudgeMode.REASONED]: "reasoned",
  [JudgeMode.FAST]: "fast",
};
const MODES = { reasoned: JudgeMode.REASONED, fast: JudgeMode.FAST };

/**
 * The JSON body of a reward request, for `rewardRequestSchema`: unspecified enums and unset
 * optional fields are left out (so defaults apply); an unknown enum number is passed through for
 * the schema to reject. Throws UNSUPPORTED_MEDIA for image bytes that are not an image.
 */
export function rewardRequestToWire(message: RewardRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    question: message.question,
    images: message.images.map(imageFromProto),
    candidates: message.candidates,
  };
  if (message.method !== RewardMethod.UNSPECIFIED) {
    body.method = METHOD_NAMES[message.method] ?? message.method;
  }
  if (message.mode !== JudgeMode.UNSPECIFIED) body.mode = MODE_NAMES[message.mode] ?? message.mode;
  if (message.reference !== undefined) body.reference = message.reference;
  if (message.checkpoint !== undefined) body.checkpoint = message.checkpoint;
  return body;
}

/** A `/v1/reward` answer as a `jurist.v1.RewardResponse`; a null score is an unset one. */
export function rewardToProto(wire: RewardWire): RewardResponse {
  return create(RewardResponseSchema, {
    scores: wire.scores.map((score) => ({ score: score ?? undefined })),
    ranking: wire.ranking,
    failures: wire.failures,
    method: METHODS[wire.method],
    checkpoint: wire.checkpoint,
    mode: MODES[wire.mode],
    simulated: wire.simulated,
    pairs: wire.pairs,
    latencyMs: wire.latency_ms,
  });
}
