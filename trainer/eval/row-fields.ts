import { z } from "zod";

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * A text field. Parquet writers do not always annotate string columns as UTF-8, and the reader
 * is asked for raw bytes (so image bytes stay bytes): unannotated text arrives as bytes here.
 */
export const textField = z.preprocess(
  (value) => (value instanceof Uint8Array ? utf8.decode(value) : value),
  z.string(),
);

/** A non-empty text field (paths, ids). */
export const nonEmptyTextField = textField.pipe(z.string().min(1, "must not be empty"));

/** An id as the file spells it: RewardBench ids are integers, parquet int64s arrive as bigint. */
export const idField = z
  .union([nonEmptyTextField, z.number(), z.bigint()])
  .transform((id) => String(id));

/** An integer that may arrive as a bigint (parquet INT64). */
export const integerField = z
  .union([z.number(), z.bigint()])
  .transform((value) => Number(value))
  .pipe(z.number().int());

/** Every problem of a failed parse on one line: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join(".") || "row"}: ${issue.message}`)
    .join("; ");
}
