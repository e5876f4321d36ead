import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { inScope, READINESS_SCOPES, type Readiness } from "../runtime/readiness.ts";

export interface HealthRoutesOptions {
  /** Readiness now (the runtime's, which gRPC health reads too). */
  readiness: () => Readiness;
}

const status = z.enum(["ready", "not_ready"]);
const scope = z.enum(READINESS_SCOPES);

const readinessSchema = z.object({
  status,
  reason: z.string().optional(),
  scope: scope.describe("what status answers for: fleet (the default) or process"),
  scopes: z
    .record(scope, z.object({ status, reason: z.string().optional() }))
    .describe("every scope's answer, whichever was asked"),
  champion: z.string().nullable(),
  replicas: z.array(
    z.object({
      id: z
        .string()
        .describe("r- and 8 hex digits of the URL's SHA-256; the log maps it to the URL"),
      healthy: z.boolean(),
      serves_champion: z.boolean(),
      in_flight: z.number(),
      waiting: z.number(),
      version: z.string().nullable(),
      choice_field: z.string(),
      unconstrained: z
        .object({
          answers: z.number(),
          last_at: z.string(),
          field: z.string(),
          hint: z.string(),
        })
        .optional(),
    }),
  ),
  stores: z.record(z.string(), z.enum(["ok", "degraded"])),
});

type ReadinessJson = z.output<typeof readinessSchema>;

const statusOf = (answer: { ready: boolean }) => (answer.ready ? "ready" : "not_ready");

/** The `GET /readyz` body of a readiness report. */
function readinessJson(report: Readiness): ReadinessJson {
  const body: ReadinessJson = {
    status: statusOf(report),
    scope: report.scope,
    scopes: Object.fromEntries(
      READINESS_SCOPES.map((name) => {
        const answer = report.scopes[name];
        return [
          name,
          { status: statusOf(answer), ...(answer.reason ? { reason: answer.reason } : {}) },
        ];
      }),
    ) as ReadinessJson["scopes"],
    champion: report.champion,
    replicas: report.replicas.map((r) => ({
      id: r.id,
      healthy: r.healthy,
      serves_champion: r.servesChampion,
      in_flight: r.inFlight,
      waiting: r.waiting,
      version: r.version,
      choice_field: r.choiceField,
      ...(r.unconstrained
        ? {
            unconstrained: {
              answers: r.unconstrained.count,
              last_at: r.unconstrained.lastAt,
              field: r.unconstrained.field,
              hint: `the replica ignores ${r.unconstrained.field}: set JURIST_STRUCTURED_OUTPUT_FIELD to the field its vLLM release has (guided_choice before 0.11, structured_outputs from 0.11; 0.12 and later have only structured_outputs)`,
            },
          }
        : {}),
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
    {
      schema: {
        tags: ["operations"],
        description:
          "200 when ready in the scope asked, 503 otherwise. `fleet` (the default): a healthy replica serves the champion and the gateway is not draining. `process`: the process listens and is not draining, whatever its replicas do (the Kubernetes readiness probe, so a vLLM outage does not make every gateway pod NotReady). The body carries both scopes' answers and the replicas either way.",
        querystring: z.object({ scope: scope.default("fleet") }),
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (request, reply) => {
      const report = inScope(options.readiness(), request.query.scope);
      return reply.code(report.ready ? 200 : 503).send(readinessJson(report));
    },
  );
};
