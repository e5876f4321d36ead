import { create } from "@bufbuild/protobuf";
import { pairwiseRequestSchema } from "../api/pairwise-schema.ts";
import { parseOrThrow } from "../api/validation-details.ts";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import { AppError } from "../errors.ts";
import { listModels } from "../http/routes/model-routes.ts";
import type { JudgeService as JudgeCore } from "../judge-service.ts";
import { type CallAuthOptions, callPrincipal } from "./call-auth.ts";
import {
  type JudgeService,
  ListModelsResponseSchema,
  PairwiseResponseSchema,
} from "./gen/jurist/v1/judge_pb.ts";
import { modelToProto, pairwiseRequestToWire, verdictToProto } from "./judge-proto.ts";
import { pairwiseStreamHandler } from "./pairwise-stream.ts";
import type { MethodsOf, ServiceImplementationOf } from "./service-definition.ts";
import { type RpcOptions, unaryHandler } from "./unary-handler.ts";

export interface JudgeHandlersOptions {
  service: JudgeCore;
  fleet: ReplicaFleet;
  auth: CallAuthOptions;
  /** Items one PairwiseStream judges at once. */
  streamConcurrency: number;
  /** Aborted when the server begins to drain: judging calls are refused from then on. */
  draining: AbortSignal;
  rpc: RpcOptions;
}

function refuseWhileDraining(draining: AbortSignal): void {
  if (!draining.aborted) return;
  throw new AppError("OVERLOADED", "the server is shutting down", { retryAfterSeconds: 1 });
}

/**
 * `jurist.v1.JudgeService`, thin over the judge core: authenticate from metadata, validate with
 * the HTTP API's schema, judge, map the verdict. Reward is in the contract but its core is not
 * built yet: it answers UNIMPLEMENTED (`NOT_IMPLEMENTED`).
 */
export function judgeHandlers(
  options: JudgeHandlersOptions,
): ServiceImplementationOf<MethodsOf<typeof JudgeService>> {
  const { rpc, auth } = options;
  return {
    pairwise: unaryHandler(rpc, async (message, { signal, metadata }) => {
      const principal = await callPrincipal(metadata, auth, "judge");
      refuseWhileDraining(options.draining);
      const request = parseOrThrow(pairwiseRequestSchema, pairwiseRequestToWire(message));
      const verdict = await options.service.pairwise(request, { signal, tenant: principal.tenant });
      return create(PairwiseResponseSchema, { verdict: verdictToProto(verdict) });
    }),
    pairwiseStream: pairwiseStreamHandler({
      service: options.service,
      auth,
      concurrency: options.streamConcurrency,
      draining: options.draining,
      rpc,
    }),
    reward: unaryHandler(rpc, async (_message, { metadata }) => {
      await callPrincipal(metadata, auth, "judge");
      throw new AppError(
        "NOT_IMPLEMENTED",
        "Reward is part of the contract but not served yet: the reward core comes with /v1/reward",
      );
    }),
    listModels: unaryHandler(rpc, async () =>
      create(ListModelsResponseSchema, { models: listModels(options.fleet).map(modelToProto) }),
    ),
  };
}
