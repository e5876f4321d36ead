import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { JudgeService } from "../judge/judge-service.ts";
import { batchJson, readBatchItems } from "./batch-json.ts";
import { bodyWithDataUris } from "./json-body.ts";
import { guardJudging, type JudgingRouteOptions } from "./judging-guards.ts";
import { callerPriority } from "./request-priority.ts";
import { callerTimeoutMs, requestSignal } from "./request-signal.ts";
import { verdictJson } from "./verdict-json.ts";
import {
  batchRequestSchema,
  batchResponseSchema,
  errorSchema,
  pairwiseRequestSchema,
  verdictSchema,
} from "./wire/pairwise-schema.ts";

export interface JudgeRoutesOptions extends JudgingRouteOptions {
  service: JudgeService;
}

const errors = { "4xx": errorSchema, "5xx": errorSchema };

export const judgeRoutes: FastifyPluginAsyncZod<JudgeRoutesOptions> = async (app, options) => {
  const charge = guardJudging(app, options);
  const contextFor = (request: FastifyRequest, reply: FastifyReply) => ({
    signal: requestSignal(
      reply,
      callerTimeoutMs(request.headers, options.requestTimeoutMs),
      options.shutdown,
    ),
    tenant: request.principal.tenant,
    priority: callerPriority(request.headers, "interactive"),
    inflight: request.inflight,
  });
  app.post(
    "/v1/judge/pairwise",
    {
      schema: {
        summary: "Judge which of two responses is better",
        tags: ["judge"],
        body: pairwiseRequestSchema,
        response: { 200: verdictSchema, ...errors },
      },
    },
    async (request, reply) =>
      verdictJson(
        await options.service.pairwise(
          bodyWithDataUris(request, request.body),
          contextFor(request, reply),
        ),
      ),
  );

  app.post(
    "/v1/judge/batch",
    {
      schema: {
        summary: "Judge up to 256 pairs; each item succeeds or fails on its own",
        tags: ["judge"],
        body: batchRequestSchema,
        response: { 200: batchResponseSchema, ...errors },
      },
      // Each item is a verdict against the key's rate limit.
      preHandler: charge.verdicts((body: { items: unknown[] }) => body.items.length),
    },
    async (request, reply) => {
      const items = bodyWithDataUris(request, readBatchItems(request.body.items));
      return batchJson(await options.service.batch(items, contextFor(request, reply)));
    },
  );
};
