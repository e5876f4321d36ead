import fastJson from "fast-json-stringify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { z } from "zod";

/**
 * Response bodies serialised by fast-json-stringify, compiled once per route and status from
 * the zod response schema's JSON Schema (what Fastify itself does with JSON Schema routes):
 * only the schema's fields are written, as zod's encoder would, without walking every value
 * through zod and then JSON.stringify on each response. A schema with no JSON Schema form
 * keeps the zod serializer.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<z.ZodType> = (route) => {
  const jsonSchema = toJsonSchema(route.schema);
  return jsonSchema ? fastJson(jsonSchema) : zodSerializerCompiler(route);
};

function toJsonSchema(schema: unknown): Parameters<typeof fastJson>[0] | null {
  if (!(schema instanceof z.ZodType)) return null;
  try {
    return z.toJSONSchema(schema, { io: "output", target: "draft-7" }) as Parameters<
      typeof fastJson
    >[0];
  } catch {
    return null;
  }
}
