import { createHash } from "node:crypto";

const ids = new Map<string, string>();
const MAX_REMEMBERED = 4_096;

/**
 * A replica's public name on `/readyz` and in metric labels: `r-` and the first 8 hex digits of
 * the SHA-256 of its URL. Stable across restarts and identical on every gateway (so series
 * aggregate across gateways), but not the address itself, which stays in the logs ("replica
 * joined" names both). Not a secret: whoever can guess an address can confirm it.
 */
export function replicaId(url: string): string {
  let id = ids.get(url);
  if (id === undefined) {
    id = `r-${createHash("sha256").update(url).digest("hex").slice(0, 8)}`;
    // Metrics ask on every engine call: remember, but do not grow with DNS churn forever.
    if (ids.size >= MAX_REMEMBERED) ids.clear();
    ids.set(url, id);
  }
  return id;
}
