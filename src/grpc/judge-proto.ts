import { create } from "@bufbuild/protobuf";
import { dataUriBytes } from "../core/data-uri-payload.ts";
import { AppError, type ErrorDetail } from "../core/errors.ts";
import { sniffImageMime } from "../core/image-magic.ts";
import type { OrderVerdict as DomainOrderVerdict } from "../core/types.ts";
import type { ImageInput, PairwiseRequestInput } from "../judge/pairwise-checks.ts";
import type { Verdict as DomainVerdict } from "../judge/verdict.ts";
import type { ListedModel } from "../runtime/model-list.ts";
import {
  type Error as ErrorMessage,
  ErrorSchema,
  type Image,
  JudgeMode,
  type Model,
  ModelKind,
  ModelRole,
  ModelSchema,
  Order,
  OrderOutcome,
  type OrderVerdict,
  OrderVerdictSchema,
  Outcome,
  type PairwiseRequest,
  type Verdict,
  VerdictSchema,
  Winner,
} from "./gen/jurist/v1/judge_pb.ts";

/**
 * Protobuf messages to and from the judge service's domain types, with no JSON in between:
 * requests are decoded for the transport-free checks (`judge/pairwise-checks.ts`), verdicts
 * leave field for field as HTTP's JSON has them. Unset optional fields are the JSON API's nulls.
 */

const MODES = { reasoned: JudgeMode.REASONED, fast: JudgeMode.FAST } as const;
const MODE_NAMES: Partial<Record<JudgeMode, string>> = {
  [JudgeMode.REASONED]: "reasoned",
  [JudgeMode.FAST]: "fast",
};
const OUTCOMES = { ok: Outcome.OK, partial: Outcome.PARTIAL, abstain: Outcome.ABSTAIN } as const;
const WINNERS = { A: Winner.A, B: Winner.B, tie: Winner.TIE } as const;
const ORDERS = { AB: Order.AB, BA: Order.BA } as const;
const ORDER_OUTCOMES = { ok: OrderOutcome.OK, invalid: OrderOutcome.INVALID } as const;
const ROLES = {
  champion: ModelRole.CHAMPION,
  candidate: ModelRole.CANDIDATE,
  shadow: ModelRole.SHADOW,
} as const;
const KINDS = { lora: ModelKind.LORA, full: ModelKind.FULL } as const;

/**
 * An image as intake takes it: bytes become a data URI labelled by their magic, encoded once
 * into bytes (never a string: `core/base64-bytes.ts`), which the chat body sends as they are.
 */
export function imageFromProto(image: Image, index: number): ImageInput {
  if (image.source.case === "url") return { url: image.source.value };
  if (image.source.case !== "data") return { url: undefined };
  const path = `images.${index}.data`;
  const mime = sniffImageMime(image.source.value);
  if (!mime) {
    throw new AppError("UNSUPPORTED_MEDIA", `${path} is not a PNG, JPEG, WebP or GIF image`, {
      details: [{ path, reason: "unsupported_image_type" }],
    });
  }
  return { url: dataUriBytes(mime, image.source.value) };
}

/** A judge mode's name; an unknown number is kept (as its digits) for the checks to refuse. */
export function modeName(mode: JudgeMode): string {
  return MODE_NAMES[mode] ?? String(mode);
}

/**
 * A pairwise request for `checkPairwiseRequest`, with HTTP's defaults for unset fields (mode
 * reasoned, swap on). Throws UNSUPPORTED_MEDIA for image bytes that are not an image.
 */
export function pairwiseRequestFromProto(message: PairwiseRequest): PairwiseRequestInput {
  return {
    question: message.question,
    images: message.images.map(imageFromProto),
    responses: message.responses,
    rubric: message.rubric,
    mode: message.mode === JudgeMode.UNSPECIFIED ? "reasoned" : modeName(message.mode),
    swap: message.swap ?? true,
    checkpoint: message.checkpoint,
    collect: message.collect,
    cache: message.cache,
    seed: message.seed,
  };
}

function orderToProto(order: DomainOrderVerdict): OrderVerdict {
  return create(OrderVerdictSchema, {
    order: ORDERS[order.order],
    outcome: ORDER_OUTCOMES[order.outcome],
    winner: order.winner === null ? undefined : WINNERS[order.winner],
    probabilityA: order.probabilityA ?? undefined,
    reasoning: order.reasoning,
    reason: order.reason,
  });
}

/** A verdict of the judge service as a `jurist.v1.Verdict`; a null is an unset field. */
export function verdictToProto(verdict: DomainVerdict): Verdict {
  return create(VerdictSchema, {
    id: verdict.id,
    outcome: OUTCOMES[verdict.outcome],
    winner: verdict.winner === null ? undefined : WINNERS[verdict.winner],
    probabilityA: verdict.probabilityA ?? undefined,
    consistent: verdict.consistent ?? undefined,
    reasoning: verdict.reasoning,
    reason: verdict.reason,
    orders: verdict.orders.map(orderToProto),
    checkpoint: verdict.checkpoint,
    template: verdict.template,
    mode: MODES[verdict.mode],
    cached: verdict.cached,
    simulated: verdict.simulated,
    latencyMs: verdict.latencyMs,
  });
}

/** The JSON API's error object as a `jurist.v1.Error`. */
export function errorToProto(error: {
  code: string;
  message: string;
  details?: ErrorDetail[];
}): ErrorMessage {
  return create(ErrorSchema, {
    code: error.code,
    message: error.message,
    details: (error.details ?? []).map((detail) => ({ path: detail.path, reason: detail.reason })),
  });
}

/** A checkpoint the fleet serves as a `jurist.v1.Model`. */
export function modelToProto(model: ListedModel): Model {
  return create(ModelSchema, {
    id: model.id,
    role: ROLES[model.role],
    kind: KINDS[model.kind],
    created: model.created === null ? undefined : BigInt(model.created),
    replicas: model.replicas,
    simulated: model.simulated,
  });
}
