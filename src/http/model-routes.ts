import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AuthPolicy, routeNeedsKey } from "../auth/auth-policy.ts";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import { listModels } from "../runtime/model-list.ts";
import { requireScope } from "./auth-hook.ts";
import { errorSchema } from "./wire/pairwise-schema.ts";

export interface ModelRoutesOptions {
  fleet: ReplicaFleet;
  auth: AuthPolicy;
}

// The listing's fields are single words, so the JSON is the listing as it is.
const modelSchema = z.object({
  id: z.string(),
  role: z.enum(["champion", "candidate", "shadow"]),
  kind: z.enum(["lora", "full"]),
  created: z.number().int().nullable(),
  replicas: z.number().int(),
  simulated: z.boolean(),
});

/**
 * `GET /v1/models`: it names the candidates being tried, so it needs a key when keys are
 * required, unless JURIST_PUBLIC_ROUTES lists `models` (as gRPC ListModels does).
 */
export const modelRoutes: FastifyPluginAsyncZod<ModelRoutesOptions> = async (app, options) => {
  if (routeNeedsKey(options.auth, "models")) requireScope(app, "judge", options.auth);
  app.get(
    "/v1/models",
    {
      schema: {
        summary: "Checkpoints the fleet serves",
        tags: ["models"],
        response: {
          200: z.object({ data: z.array(modelSchema) }),
          "4xx": errorSchema,
          "5xx": errorSchema,
        },
      },
    },
    async () => ({ data: listModels(options.fleet) }),
  );
};
