import type { Metadata } from "@grpc/grpc-js";
import { AppError } from "../core/errors.ts";
import { parsePriorityClass } from "../core/priority-class.ts";
import type { PriorityClass } from "../core/types.ts";

/** The metadata key a caller names its admission class with: `interactive` or `batch`. */
export const PRIORITY_METADATA_KEY = "jurist-priority";

/**
 * The admission class of a call: the one `jurist-priority` metadata names, else the method's
 * default (`batch` for Reward, `interactive` otherwise). Another value is INVALID_ARGUMENT.
 */
export function callPriority(metadata: Metadata, methodDefault: PriorityClass): PriorityClass {
  const [raw] = metadata.get(PRIORITY_METADATA_KEY);
  if (raw === undefined) return methodDefault;
  const named = typeof raw === "string" ? parsePriorityClass(raw) : null;
  if (!named) {
    throw new AppError("INVALID_REQUEST", `${PRIORITY_METADATA_KEY} must be interactive or batch`, {
      details: [{ path: `metadata.${PRIORITY_METADATA_KEY}`, reason: "not interactive or batch" }],
    });
  }
  return named;
}
