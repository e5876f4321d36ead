import { create } from "@bufbuild/protobuf";
import { type AuthPolicy, routeNeedsKey } from "../auth/auth-policy.ts";
import type { RateLimiter } from "../auth/rate-limiter.ts";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import type { JudgeService as JudgeCore } from "../judge/judge-service.ts";
import { checkPairwiseRequest } from "../judge/pairwise-checks.ts";
import { checkRewardRequest } from "../reward/reward-checks.ts";
import { rewardVerdictCount } from "../reward/reward-cost.ts";
import type { RewardService } from "../reward/reward-service.ts";
import { listModels } from "../runtime/model-list.ts";
import { type CallAuthOptions, callPrincipal } from "./call-auth.ts";
import { admitCall, type CallGuardOptions, holdMessage } from "./call-guards.ts";
import { callPriority } from "./call-priority.ts";
import {
  type JudgeService,
  ListModelsResponseSchema,
  PairwiseResponseSchema,
} from "./gen/jurist/v1/judge_pb.ts";
import { modelToProto, pairwiseRequestFromProto, verdictToProto } from "./judge-proto.ts";
import { pairwiseStreamHandler } from "./pairwise-stream.ts";
import { rewardRequestFromProto, rewardToProto } from "./reward-proto.ts";
import {
  type MethodsOf,
  receivedBytes,
  type ServiceImplementationOf,
} from "./service-definition.ts";
import { type RpcOptions, unaryHandler } from "./unary-handler.ts";

export interface JudgeHandlersOptions {
  service: JudgeCore;
  /** The reward core behind Reward (as POST /v1/reward). */
  reward: RewardService;
  fleet: ReplicaFleet;
  /** The runtime's policy: keys as for HTTP; ListModels public only if JURIST_PUBLIC_ROUTES says. */
  auth: CallAuthOptions & Pick<AuthPolicy, "publicRoutes">;
  /** Items one PairwiseStream judges at once. */
  streamConcurrency: number;
  /** Aborted when the server begins to drain: judging calls are refused from then on. */
  draining: AbortSignal;
  /** The per-key verdict budget, shared with HTTP. */
  limiter: RateLimiter;
  /** The process's pressure reading, shared with HTTP. */
  pressure: CallGuardOptions["pressure"];
  /** Counts a shed call. */
  onShed: CallGuardOptions["onShed"];
  /** The in-flight byte budget, shared with HTTP. */
  inflight: CallGuardOptions["inflight"];
  rpc: RpcOptions;
}

/**
 * `jurist.v1.JudgeService`, thin over the judge core: the guards HTTP's judging routes have
 * (shedding, the key and its scope, rate limits per verdict), decode and check the request (as
 * HTTP does a body), judge (or score), map the answer to proto. Reward runs in the `batch`
 * class unless `jurist-priority` metadata names another, under the call's deadline.
 */
export function judgeHandlers(
  options: JudgeHandlersOptions,
): ServiceImplementationOf<MethodsOf<typeof JudgeService>> {
  const { rpc, auth } = options;
  const guards: CallGuardOptions = {
    auth,
    limiter: options.limiter,
    pressure: options.pressure,
    draining: options.draining,
    onShed: options.onShed,
    inflight: options.inflight,
  };
  return {
    pairwise: unaryHandler(rpc, async (message, { signal, metadata, peer }) => {
      const { principal } = await admitCall({ metadata, peer }, guards);
      const inflight = holdMessage(guards, receivedBytes(message));
      try {
        const request = checkPairwiseRequest(pairwiseRequestFromProto(message));
        const priority = callPriority(metadata, "interactive");
        const verdict = await options.service.pairwise(request, {
          signal,
          tenant: principal.tenant,
          priority,
          inflight,
        });
        return create(PairwiseResponseSchema, { verdict: verdictToProto(verdict) });
      } finally {
        inflight.release();
      }
    }),
    pairwiseStream: pairwiseStreamHandler({
      service: options.service,
      guards,
      concurrency: options.streamConcurrency,
      rpc,
    }),
    reward: unaryHandler(rpc, async (message, { signal, deadlineAt, metadata, peer }) => {
      const admitted = await admitCall({ metadata, peer }, guards);
      const inflight = holdMessage(guards, receivedBytes(message));
      try {
        const request = checkRewardRequest(rewardRequestFromProto(message));
        // One verdict per pair the method judges; the first was charged on admission.
        const verdicts = rewardVerdictCount(request);
        await admitted.charge(verdicts - 1, verdicts);
        const priority = callPriority(metadata, "batch");
        const context = { signal, deadlineAt, priority, inflight };
        return rewardToProto(await options.reward.reward(request, context));
      } finally {
        inflight.release();
      }
    }),
    listModels: unaryHandler(rpc, async (_message, { metadata }) => {
      // Like GET /v1/models: it names the candidates, so it needs a key when keys are required.
      if (routeNeedsKey(auth, "models")) {
        await callPrincipal(metadata, auth, "judge");
      }
      return create(ListModelsResponseSchema, {
        models: listModels(options.fleet).map(modelToProto),
      });
    }),
  };
}
