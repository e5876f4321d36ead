import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import {
  batchRequestSchema,
  batchResponseSchema,
  errorSchema,
  pairwiseRequestSchema,
  verdictSchema,
} from "../../api/pairwise-schema.ts";
import type { JudgeService } from "../../judge-service.ts";
import { requestSignal } from "../request-signal.ts";

export interface JudgeRoutesOptions {
  service: JudgeService;
  /** Deadline for one request, ms. */
  requestTimeoutMs: number;
  /** Aborted when the server shuts down, cancelling in-flight engine calls. */
  shutdown: AbortSignal;
}

const errors = { "4xx": errorSchema, "5xx": errorSchema };

export const judgeRoutes: FastifyPluginAsyncZod<JudgeRoutesOptions> = async (app, options) => {
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
      options.service.pairwise(
        request.body,
        requestSignal(reply, options.requestTimeoutMs, options.shutdown),
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
    },
    async (request, reply) => {
      const signal = requestSignal(reply, options.requestTimeoutMs, options.shutdown);
      return { results: await options.service.batch(request.body.items, signal) };
    },
  );
};
