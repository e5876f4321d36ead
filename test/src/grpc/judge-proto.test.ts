import { create, toJson } from "@bufbuild/protobuf";
import t from "tap";
import { dataUriText } from "../../../src/core/data-uri-payload.ts";
import { AppError } from "../../../src/core/errors.ts";
import {
  JudgeMode,
  type PairwiseRequest,
  PairwiseRequestSchema,
  VerdictSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { pairwiseRequestFromProto, verdictToProto } from "../../../src/grpc/judge-proto.ts";
import { checkPairwiseRequest } from "../../../src/judge/pairwise-checks.ts";
import type { Verdict } from "../../../src/judge/verdict.ts";
import { TINY_PNG, TINY_PNG_DATA_URI } from "../../helpers/fixtures.ts";

/** The checked request, its data URIs as text (gRPC's image bytes arrive as a URI's bytes). */
function check(message: PairwiseRequest) {
  const request = checkPairwiseRequest(pairwiseRequestFromProto(message));
  return { ...request, images: request.images.map((image) => ({ url: dataUriText(image.url) })) };
}

t.test("a request maps to the domain request, HTTP's defaults for unset fields", async (t) => {
  const minimal = create(PairwiseRequestSchema, { question: "Q?", responses: ["a", "b"] });
  t.strictSame(JSON.parse(JSON.stringify(check(minimal))), {
    question: "Q?",
    images: [],
    responses: ["a", "b"],
    mode: "reasoned",
    swap: true,
  });

  const full = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [
      { source: { case: "data", value: TINY_PNG } },
      { source: { case: "url", value: "https://example.com/x.png" } },
    ],
    rubric: "be strict",
    mode: JudgeMode.FAST,
    swap: false,
    checkpoint: "ckpt_1",
    collect: false,
    cache: false,
    seed: 0,
  });
  t.strictSame(check(full), {
    question: "Q?",
    images: [{ url: TINY_PNG_DATA_URI }, { url: "https://example.com/x.png" }],
    responses: ["a", "b"],
    rubric: "be strict",
    mode: "fast",
    swap: false,
    checkpoint: "ckpt_1",
    collect: false,
    cache: false,
    seed: 0,
  });
});

t.test("bad values are refused by the checks, never guessed", async (t) => {
  const refusal = (message: PairwiseRequest) => {
    try {
      check(message);
    } catch (thrown) {
      return thrown;
    }
    return undefined;
  };
  const unknownMode = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    mode: 9 as JudgeMode,
  });
  t.match(refusal(unknownMode), {
    code: "INVALID_REQUEST",
    details: [{ path: "mode", reason: 'Invalid option: expected one of "reasoned"|"fast"' }],
  });
  const noImage = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [{}],
  });
  t.match(refusal(noImage), { code: "INVALID_REQUEST", details: [{ path: "images.0.url" }] });
});

t.test("image bytes that are not an image: UNSUPPORTED_MEDIA naming the field", async (t) => {
  const request = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [{ source: { case: "data", value: new TextEncoder().encode("%PDF-1.7") } }],
  });
  const error = (() => {
    try {
      pairwiseRequestFromProto(request);
    } catch (thrown) {
      return thrown;
    }
  })();
  t.ok(error instanceof AppError);
  t.match(error, { code: "UNSUPPORTED_MEDIA", details: [{ path: "images.0.data" }] });
});

t.test("a verdict maps field for field; nulls become unset fields", async (t) => {
  const partial: Verdict = {
    id: "vrd_1",
    outcome: "partial",
    winner: "B",
    probabilityA: 0.25,
    consistent: null,
    reasoning: "B is right [[B]]",
    reason: "one order unreadable",
    orders: [
      {
        order: "AB",
        outcome: "ok",
        winner: "B",
        probabilityA: 0.25,
        reasoning: "[[B]]",
      },
      {
        order: "BA",
        outcome: "invalid",
        winner: null,
        probabilityA: null,
        reasoning: "no marker",
        reason: "no verdict marker",
      },
    ],
    checkpoint: "ckpt_x",
    template: "pairwise-v1",
    mode: "fast",
    cached: true,
    simulated: true,
    latencyMs: 12,
  };
  t.same(toJson(VerdictSchema, verdictToProto(partial)), {
    id: "vrd_1",
    outcome: "OUTCOME_PARTIAL",
    winner: "WINNER_B",
    probabilityA: 0.25,
    reasoning: "B is right [[B]]",
    reason: "one order unreadable",
    orders: [
      {
        order: "ORDER_AB",
        outcome: "ORDER_OUTCOME_OK",
        winner: "WINNER_B",
        probabilityA: 0.25,
        reasoning: "[[B]]",
      },
      {
        order: "ORDER_BA",
        outcome: "ORDER_OUTCOME_INVALID",
        reasoning: "no marker",
        reason: "no verdict marker",
      },
    ],
    checkpoint: "ckpt_x",
    template: "pairwise-v1",
    mode: "JUDGE_MODE_FAST",
    cached: true,
    simulated: true,
    latencyMs: 12,
  });

  const abstain = verdictToProto({
    ...partial,
    outcome: "abstain",
    winner: null,
    probabilityA: null,
    orders: [],
  });
  t.equal(abstain.winner, undefined, "no winner is unset, not WINNER_UNSPECIFIED");
  t.equal(abstain.probabilityA, undefined, "no probability is unset, not 0");
  t.equal(abstain.consistent, undefined);
  const tie = verdictToProto({ ...partial, winner: "tie", consistent: false });
  t.match(toJson(VerdictSchema, tie), { winner: "WINNER_TIE" });
  t.equal(tie.consistent, false, "false is sent, not unset");
});
