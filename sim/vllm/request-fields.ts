import { choiceFields } from "./vllm-version.ts";

/**
 * vLLM's request models allow extra fields and only log them
 * (vllm/entrypoints/openai/protocol.py, `OpenAIBaseModel.__log_extra_fields__`: "The
 * following fields were present in the request but ignored: %s"), so a constrained-choice
 * field the release does not have is dropped and the request answered unconstrained.
 */

/** The request body a release actually reads, and the names it ignored. */
export interface ReadFields {
  body: unknown;
  ignored: string[];
}

/** Drops the constrained-choice field `version` does not have; other fields pass through. */
export function fieldsVllmReads(body: unknown, version: string): ReadFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { body, ignored: [] };
  }
  const fields = choiceFields(version);
  const unknown = [
    ...(fields.guidedChoice ? [] : ["guided_choice"]),
    ...(fields.structuredOutputs ? [] : ["structured_outputs"]),
  ].filter((name) => name in body);
  if (unknown.length === 0) return { body, ignored: [] };
  const kept = { ...(body as Record<string, unknown>) };
  for (const name of unknown) delete kept[name];
  return { body: kept, ignored: unknown };
}

/** The warning vLLM logs for ignored fields (a Python set's repr). */
export function ignoredFieldsWarning(ignored: readonly string[]): string {
  return `The following fields were present in the request but ignored: {${ignored
    .map((name) => `'${name}'`)
    .join(", ")}}`;
}
