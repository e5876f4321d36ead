import type { z } from "zod";
import { AppError, type ErrorDetail } from "../../core/errors.ts";

/** Zod issues as API error details: a dotted path and a reason per problem. */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix = ""): ErrorDetail[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== "").join(".");
    return path ? { path, reason: issue.message } : { reason: issue.message };
  });
}

/** Parses `input` with `schema` or throws 400 INVALID_REQUEST listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError("INVALID_REQUEST", "the request does not match the schema", {
    details: issuesToDetails(result.error.issues),
  });
}
