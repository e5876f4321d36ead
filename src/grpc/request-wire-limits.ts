import { MAX_IMAGES, RESPONSES_PER_REQUEST } from "../judge/request-limits.ts";
import { MAX_CANDIDATES } from "../reward/reward-limits.ts";
import { PairwiseRequestSchema, RewardRequestSchema } from "./gen/jurist/v1/judge_pb.ts";
import type { WireLimits } from "./wire-limits.ts";

/**
 * How wide a request message may be before it is decoded: the request checks' own limits on
 * repeated fields (a message over them is refused by the checks anyway, only after protobuf-es
 * paid for every element), and a cap on fields per message that no valid request comes near.
 * `PairwiseStreamRequest`'s `request` is a `PairwiseRequest`, held to the same limits.
 */
export const REQUEST_WIRE_LIMITS: WireLimits = {
  // The widest valid message, a RewardRequest at its limits, has 29 fields: 8 images, 16
  // candidates and 5 singular fields (test/src/grpc/request-wire-limits.test.ts checks).
  maxFields: 64,
  // Room for fields a newer client knows and this server does not; protobuf-es keeps each one.
  maxUnknownFields: 16,
  repeated: new Map<string, Record<string, number>>([
    [PairwiseRequestSchema.typeName, { images: MAX_IMAGES, responses: RESPONSES_PER_REQUEST }],
    [RewardRequestSchema.typeName, { images: MAX_IMAGES, candidates: MAX_CANDIDATES }],
  ]),
};
