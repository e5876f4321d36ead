import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Readiness } from "../runtime/readiness.ts";

export interface HealthRoutesOptions {
  /** Readiness now (the runtime's, which gRPC health reads too). */
  readiness: () => Readiness;
}

const readinessSchema = z.object({
  status: z.enum(["ready", "not_ready"]),
  reason: z.string().optional(),
  champion: z.string().nullable(),
  replicas: z.array(
    z.object({
      url: z.string(),
      healthy: z.boolean(),
      serves_champion: z.boolean(),
      in_flight: z.number(),
      waiting: z.number(),
      last_error: z.string().nullable(),
    }),
  ),
  stores: z.record(z.string(), z.enum(["ok", "degraded"])),
});

type ReadinessJson = z.output<typeof readinessSchema>;

/** The `GET /readyz` body of a readiness report. */
function readinessJson(report: Readiness): ReadinessJson {
  const body: ReadinessJson = {
    status: report.ready ? "ready" : "not_ready",
    champion: report.champion,
    replicas: report.replicas.map((r) => ({
      url: r.url,
      healthy: r.healthy,
      serves_champion: r.servesChampion,
      in_flight: r.inFlight,
      waiting: r.waiting,
      last_error: r.lastError,
    })),
    stores: report.stores,
  };
  if (report.reason !== undefined) body.reason = report.reason;
  return body;
}

export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (app, options) => {
  app.get(
    "/healthz",
    { schema: { tags: ["operations"], response: { 200: z.object({ status: z.literal("ok") }) } } },
    async () => ({ status: "ok" as const }),
  );
  app.get(
    "/readyz",
    { schema: { tags: ["operations"], response: { 200: readinessSchema, 503: readinessSchema } } },
    async (_request, reply) => {
      const report = options.readiness();
      return reply.code(report.ready ? 200 : 503).send(readinessJson(report));
    },
  );
};
