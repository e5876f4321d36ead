import type { PromptRecord } from "./prompt-log.ts";

/**
 * How a PromptRecord sits in a Redis Stream entry: one field per record field, strings as they
 * are, numbers in decimal, arrays and objects as JSON. The trainer reads the stream with
 * {@link decodePromptFields}, so this is a contract between the gateway and the trainer.
 */
export function encodePromptFields(record: PromptRecord): string[] {
  return [
    "id",
    record.id,
    "tenant",
    record.tenant,
    "question",
    record.question,
    "imageHashes",
    JSON.stringify(record.imageHashes),
    "responses",
    JSON.stringify(record.responses),
    "verdict",
    JSON.stringify(record.verdict),
    "checkpoint",
    record.checkpoint,
    "at",
    String(record.at),
    "contentHash",
    record.contentHash,
  ];
}

/** The record in a stream entry's flat `[field, value, …]` list; throws on a missing field. */
export function decodePromptFields(flat: string[]): PromptRecord {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  const field = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`prompt stream entry lacks field ${name}`);
    return value;
  };
  return {
    id: field("id"),
    tenant: field("tenant"),
    question: field("question"),
    imageHashes: JSON.parse(field("imageHashes")),
    responses: JSON.parse(field("responses")),
    verdict: JSON.parse(field("verdict")),
    checkpoint: field("checkpoint"),
    at: Number(field("at")),
    contentHash: field("contentHash"),
  };
}
