import { AppError } from "../core/errors.ts";
import { parsePriorityClass } from "../core/priority-class.ts";
import type { PriorityClass } from "../core/types.ts";

/** The header a caller names its admission class with: `interactive` or `batch`. */
export const PRIORITY_HEADER = "x-jurist-priority";

/**
 * The admission class of a request: the one `x-jurist-priority` names, else the route's
 * default (`interactive` for the judge routes, `batch` for the reward routes). Any other
 * value is a 400, so a typo never silently lands a bulk job in the interactive class.
 */
export function callerPriority(
  headers: Record<string, unknown>,
  routeDefault: PriorityClass,
): PriorityClass {
  const raw = headers[PRIORITY_HEADER];
  if (raw === undefined) return routeDefault;
  const named = typeof raw === "string" ? parsePriorityClass(raw) : null;
  if (!named) {
    throw new AppError("INVALID_REQUEST", `${PRIORITY_HEADER} must be interactive or batch`, {
      details: [{ path: `headers.${PRIORITY_HEADER}`, reason: "not interactive or batch" }],
    });
  }
  return named;
}
