import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ReplicaFleet } from "../../engine/replica-fleet.ts";

export interface HealthRoutesOptions {
  fleet: ReplicaFleet;
  /** True once shutdown began: readiness turns false so load balancers stop sending. */
  draining: () => boolean;
  /** Names and states of the stores, for the readiness body. */
  stores: () => Record<string, "ok" | "degraded">;
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

type Readiness = z.output<typeof readinessSchema>;

/** What `GET /readyz` answers now; the gRPC health service reads its status too. */
export function readiness(options: HealthRoutesOptions): Readiness {
  const champion = options.fleet.champion() ?? null;
  const replicas = options.fleet.snapshots().map((r) => ({
    url: r.url,
    healthy: r.healthy,
    serves_champion: r.models.some((m) => m.id === champion),
    in_flight: r.inFlight,
    waiting: r.waiting,
    last_error: r.lastError,
  }));
  const serving = replicas.some((r) => r.healthy && r.serves_champion);
  const reason = options.draining()
    ? "shutting down"
    : serving
      ? undefined
      : "no healthy replica serves the champion";
  const body: Readiness = {
    status: reason ? "not_ready" : "ready",
    champion,
    replicas,
    stores: options.stores(),
  };
  if (reason) body.reason = reason;
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
      const body = readiness(options);
      return reply.code(body.status === "ready" ? 200 : 503).send(body);
    },
  );
};
