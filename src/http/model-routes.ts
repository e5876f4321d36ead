import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import { listModels } from "../runtime/model-list.ts";

// The listing's fields are single words, so the JSON is the listing as it is.
const modelSchema = z.object({
  id: z.string(),
  role: z.enum(["champion", "candidate", "shadow"]),
  kind: z.enum(["lora", "full"]),
  created: z.number().int().nullable(),
  replicas: z.number().int(),
  simulated: z.boolean(),
});

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
