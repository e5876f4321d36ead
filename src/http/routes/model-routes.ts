import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ReplicaFleet } from "../../engine/replica-fleet.ts";

const modelSchema = z.object({
  id: z.string(),
  role: z.enum(["champion", "candidate", "shadow"]),
  kind: z.enum(["lora", "full"]),
  created: z.number().int().nullable(),
  replicas: z.number().int(),
  simulated: z.boolean(),
});

type ModelEntry = z.output<typeof modelSchema>;

/** Every checkpoint healthy replicas serve, with how many serve it. */
export function listModels(fleet: ReplicaFleet): ModelEntry[] {
  const champion = fleet.champion();
  const byId = new Map<string, ModelEntry>();
  for (const replica of fleet.snapshots().filter((r) => r.healthy)) {
    for (const model of replica.models) {
      const entry = byId.get(model.id) ?? {
        id: model.id,
        role: model.id === champion ? "champion" : "candidate",
        kind: model.parent === null ? "full" : "lora",
        created: null,
        replicas: 0,
        simulated: model.simulated,
      };
      entry.replicas += 1;
      byId.set(model.id, entry);
    }
  }
  return [...byId.values()];
}

export const modelRoutes: FastifyPluginAsyncZod<{ fleet: ReplicaFleet }> = async (app, options) => {
  app.get(
    "/v1/models",
    {
      schema: {
        summary: "Checkpoints the fleet serves",
        tags: ["models"],
        response: { 200: z.object({ data: z.array(modelSchema) }) },
      },
    },
    async () => ({ data: listModels(options.fleet) }),
  );
};
