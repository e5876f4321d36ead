import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import {
  batchRequestSchema,
  batchResponseSchema,
  errorSchema,
  pairwiseRequestSchema,
  verdictSchema,
} from "../../api/pairwise-schema.ts";
import type { JudgeService } from "../../judge-service.ts";
import { type LoadSheddingOptions, loadShedding } from "../load-shedding.ts";
import { callerTimeoutMs, requestSignal } from "../request-signal.ts";

export interface JudgeRoutesOptions {
  service: JudgeService;
  /** Default deadline for one request, ms; callers may shorten it with `x-jurist-timeout-ms`. */
  requestTimeoutMs: number;
  /** Aborted when in-flight work must stop, cancelling engine calls. */
  shutdown: AbortSignal;
  shedding: LoadSheddingOptions;
}

const errors = { "4xx": errorSchema, "5xx": errorSchema };

export const judgeRoutes: FastifyPluginAsyncZod<JudgeRoutesOptions> = async (app, options) => {
  await loadShedding(app, options.shedding);
  const signalFor = (
    headers: Record<string, unknown>,
    reply: Parameters<typeof requestSignal>[0],
  ) => requestSignal(reply, callerTimeoutMs(headers, options.requestTimeoutMs), options.shutdown);
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
      options.service.pairwise(request.body, signalFor(request.headers, reply)),
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
      const signal = signalFor(request.headers, reply);
      return { results: await options.service.batch(request.body.items, signal) };
    },
  );
};
