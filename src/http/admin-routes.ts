import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AuthPolicy } from "../auth/auth-policy.ts";
import { replicaId } from "../engine/replica-id.ts";
import type { CheckpointAdmin } from "../registry/checkpoint-admin.ts";
import type { ChampionSwitch } from "../registry/promotion.ts";
import type { CheckpointRecord } from "../store/checkpoint-registry.ts";
import { changesState, guardAdminOrigin } from "./admin-origin-guard.ts";
import { requireScope } from "./auth-hook.ts";
import { errorSchema } from "./wire/pairwise-schema.ts";
import { adminExamples } from "./wire/request-examples.ts";

export interface AdminRoutesOptions {
  admin: CheckpointAdmin;
  auth: AuthPolicy;
}

const checkpointId = z.string().min(1).max(256);

const recordSchema = z.object({
  id: z.string(),
  kind: z.enum(["lora", "full"]),
  base_model: z.string(),
  uri: z.string(),
  parent: z.string().nullable(),
  created: z.number(),
  status: z.enum(["candidate", "champion", "retired", "rejected"]),
  gate_report: z.string().nullable(),
  gates: z
    .object({
      passed: z.boolean(),
      simulated: z.boolean(),
      champion: z.string(),
      at: z.string(),
      gates: z.array(z.object({ name: z.string(), passed: z.boolean(), reason: z.string() })),
    })
    .nullable(),
});

const swapSchema = z.object({
  champion: z.string(),
  previous: z.string().nullable(),
  /** Replicas the switch went ahead without (promotion by quorum); the reconcile loop loads them. */
  missing: z.array(z.object({ replica: z.string(), url: z.string(), reason: z.string() })),
});

/** A champion switch as JSON: replicas by id (r-…, as /readyz and the metrics) and address. */
function switchToWire(result: ChampionSwitch): z.output<typeof swapSchema> {
  return {
    champion: result.champion,
    previous: result.previous,
    missing: result.missing.map((m) => ({
      replica: replicaId(m.replica),
      url: m.replica,
      reason: m.reason,
    })),
  };
}
const errors = { "4xx": errorSchema, "5xx": errorSchema };

function recordToWire(record: CheckpointRecord): z.output<typeof recordSchema> {
  return {
    id: record.id,
    kind: record.kind,
    base_model: record.baseModel,
    uri: record.uri,
    parent: record.parent,
    created: record.created,
    status: record.status,
    gate_report: record.gateReport,
    gates: record.gateSummary ?? null,
  };
}

/**
 * The admin API (docs/api.md, the admin API): admin-scoped keys only. Whatever JURIST_AUTH
 * says, a state-changing call (every method but GET) must come from no other browser origin,
 * be declared JSON, and carry an admin key once any key exists (docs/security.md).
 */
export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (app, options) => {
  const { admin, auth } = options;
  guardAdminOrigin(app, auth);
  requireScope(app, "admin", auth, async (request) => {
    if (!changesState(request) || !(await auth.anyKey())) return null;
    return "API keys exist, so state-changing admin calls need an admin key: Authorization: Bearer <key>";
  });

  app.get(
    "/v1/admin/checkpoints",
    {
      schema: {
        summary: "Registered checkpoints, the champion and its history",
        tags: ["admin"],
        response: {
          200: z.object({
            data: z.array(recordSchema),
            champion: z.string().nullable(),
            history: z.array(
              z.object({
                from: z.string().nullable(),
                to: z.string(),
                action: z.enum(["promote", "rollback"]),
                at: z.number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const { records, champion, history } = await admin.list();
      return { data: records.map(recordToWire), champion, history };
    },
  );

  app.post(
    "/v1/admin/checkpoints",
    {
      schema: {
        summary: "Register a checkpoint as a candidate",
        tags: ["admin"],
        body: z
          .strictObject({
            id: checkpointId,
            kind: z.enum(["lora", "full"]),
            base_model: z.string().min(1),
            uri: z.string().min(1),
            parent: checkpointId.nullable().default(null),
          })
          .meta({ example: adminExamples.register }),
        response: { 201: recordSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { base_model: baseModel, ...rest } = request.body;
      const record = await admin.register({ ...rest, baseModel });
      return reply.code(201).send(recordToWire(record));
    },
  );

  app.post(
    "/v1/admin/promote",
    {
      schema: {
        summary: "Make a checkpoint champion (compare-and-set)",
        description:
          "Loads a LoRA checkpoint on every healthy replica (a full one must already be " +
          "served by healthy replicas), waits until its quorum (JURIST_PROMOTION_QUORUM) of " +
          "healthy replicas lists it, then compares-and-sets the champion; `missing` names the " +
          "replicas it switched without, which the reconcile loop loads. 409 CONFLICT when the " +
          "champion is not `expected_champion`; 502 PROMOTION_FAILED names the step and " +
          "replicas when the quorum was not reached, and then nothing changed.",
        tags: ["admin"],
        body: z
          .strictObject({
            checkpoint: checkpointId,
            expected_champion: checkpointId.nullable().optional(),
          })
          .meta({ example: adminExamples.promote }),
        response: { 200: swapSchema, ...errors },
      },
    },
    async (request) =>
      switchToWire(await admin.promote(request.body.checkpoint, request.body.expected_champion)),
  );

  app.post(
    "/v1/admin/rollback",
    {
      schema: {
        summary: "Return to the previous champion (compare-and-set)",
        description:
          "Re-loads the previous champion's adapter where it is missing, then compares-and-" +
          "sets back. 409 CONFLICT when there is none or the champion is not the expected one.",
        tags: ["admin"],
        // `{}` (or `null`) rolls back from whatever the champion is now; some JSON body is
        // needed, as admin-origin-guard.ts refuses state-changing calls not declared JSON.
        body: z
          .strictObject({ expected_champion: checkpointId.nullable().optional() })
          .meta({ example: adminExamples.rollback })
          .nullish(),
        response: { 200: swapSchema, ...errors },
      },
    },
    async (request) => switchToWire(await admin.rollback(request.body?.expected_champion)),
  );
};
