import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { openRlhfVerdictCount, rewardVerdictCount } from "../reward/reward-cost.ts";
import type { RewardContext, RewardService } from "../reward/reward-service.ts";
import { bodyWithDataUris, textWithDataUris } from "./json-body.ts";
import { guardJudging, type JudgingRouteOptions } from "./judging-guards.ts";
import { callerPriority } from "./request-priority.ts";
import { callerTimeoutMs, requestSignal } from "./request-signal.ts";
import { openRlhfBatch, openRlhfJson, rewardJson } from "./reward-json.ts";
import { openRlhfRequestSchema, openRlhfResponseSchema } from "./wire/openrlhf-schema.ts";
import { errorSchema } from "./wire/pairwise-schema.ts";
import { rewardRequestSchema, rewardResponseSchema } from "./wire/reward-schema.ts";

export interface RewardRoutesOptions extends JudgingRouteOptions {
  service: RewardService;
}

const errors = { "4xx": errorSchema, "5xx": errorSchema };

/**
 * `POST /v1/reward` and `POST /get_reward` (OpenRLHF's remote reward model). Same guards as
 * the judge routes (shedding, `judge` scope, rate limits: one verdict per pair or item); the work is in the `batch` priority
 * class unless `x-jurist-priority` says otherwise, and has the request's whole deadline.
 */
export const rewardRoutes: FastifyPluginAsyncZod<RewardRoutesOptions> = async (app, options) => {
  const charge = guardJudging(app, options);
  const contextFor = (request: FastifyRequest, reply: FastifyReply): RewardContext => {
    const timeoutMs = callerTimeoutMs(request.headers, options.requestTimeoutMs);
    return {
      signal: requestSignal(reply, timeoutMs, options.shutdown),
      deadlineAt: Date.now() + timeoutMs,
      priority: callerPriority(request.headers, "batch"),
      inflight: request.inflight,
    };
  };

  app.post(
    "/v1/reward",
    {
      schema: {
        summary: "Score 2 to 16 candidates against a reference or each other",
        tags: ["reward"],
        body: rewardRequestSchema,
        response: { 200: rewardResponseSchema, ...errors },
      },
      // One verdict per pair the method judges, against the key's rate limit.
      preHandler: charge.verdicts(rewardVerdictCount),
    },
    async (request, reply) =>
      rewardJson(
        await options.service.reward(
          bodyWithDataUris(request, request.body),
          contextFor(request, reply),
        ),
      ),
  );

  app.post(
    "/get_reward",
    {
      schema: {
        summary: "OpenRLHF remote reward model: each query's response judged against its label",
        tags: ["reward"],
        body: openRlhfRequestSchema,
        response: { 200: openRlhfResponseSchema, ...errors },
      },
      // One verdict per item, against the key's rate limit.
      preHandler: charge.verdicts(openRlhfVerdictCount),
    },
    async (request, reply) => {
      // Labels are any JSON, judged as their text: a URL in one stays the string it was (put
      // back first, so the images' walk finds no stand-in left in them).
      textWithDataUris(request, request.body.labels);
      return openRlhfJson(
        await options.service.openRlhf(
          openRlhfBatch(bodyWithDataUris(request, request.body)),
          contextFor(request, reply),
        ),
      );
    },
  );
};
