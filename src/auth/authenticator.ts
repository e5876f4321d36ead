import { AppError } from "../core/errors.ts";
import type { KeyScope, KeyStore } from "../store/key-store.ts";
import { hashApiKey } from "./api-key.ts";

/** Who is calling, once a bearer key is checked. */
export interface Principal {
  /** The key's public id; null for unauthenticated calls when auth is off. */
  keyId: string | null;
  tenant: string;
  scope: KeyScope;
}

/** The principal of calls without a key when authentication is off. */
export const ANONYMOUS: Principal = { keyId: null, tenant: "default", scope: "admin" };

export interface AuthenticatorOptions {
  keys: KeyStore;
  /**
   * How long a validated key is trusted without asking the store again, ms; 0 asks on every
   * call. Revocations the store announces are forgotten at once: the TTL only bounds how long
   * a revocation whose announcement was lost keeps working.
   */
  cacheTtlMs: number;
  /** Most keys remembered. */
  cacheMaxEntries?: number;
}

/** Keys cannot be checked now (the store does not answer): 503 STORE_UNAVAILABLE, retry in 1 s. */
export function keysUnavailable(cause: unknown): AppError {
  return new AppError("STORE_UNAVAILABLE", "API keys cannot be checked right now", {
    cause,
    retryAfterSeconds: 1,
  });
}

/**
 * Checks `Authorization: Bearer <key>` against the key store by the key's SHA-256. Valid keys
 * are remembered briefly, which keeps the hot path off Redis and lets recently seen keys work
 * through a Redis outage; an unknown key during an outage is STORE_UNAVAILABLE, not a 401.
 * A key the store announces as revoked (from any gateway or `jurist keys revoke`) is
 * forgotten at once. Call `close()` to stop listening.
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  const remembered = new Map<string, { principal: Principal; until: number }>();
  const maxEntries = options.cacheMaxEntries ?? 10_000;
  // Counts revocations heard. Announcements arrive on their own connection (Redis pub/sub),
  // lookups on another, so a lookup sent before a revocation can answer after its
  // announcement: a lookup that sees the count change while it is out may hold a stale record.
  let revocations = 0;
  const stopListening = options.keys.onRevoked((hash) => {
    revocations += 1;
    if (hash === null) remembered.clear();
    else remembered.delete(hash);
  });

  /**
   * The store's record for `hash` and whether it may be cached: a lookup that overlapped a
   * revocation is asked again, since an answer sent after the announcement was heard reflects
   * the revocation (the store deletes the key before it announces it), so a revoked key is
   * refused rather than trusted once more — or, worse, remembered for the whole TTL. If yet
   * another revocation overlaps the second lookup, its answer is used but not remembered: the
   * request overlapped both revocations, so either answer is one it could have had, and the
   * next call asks the store again.
   */
  async function findFresh(hash: string) {
    const before = revocations;
    const record = await options.keys.findByHash(hash);
    if (revocations === before) return { record, cacheable: true };
    const again = revocations;
    const recheck = await options.keys.findByHash(hash);
    return { record: recheck, cacheable: revocations === again };
  }

  async function lookup(hash: string): Promise<Principal | null> {
    const hit = remembered.get(hash);
    if (hit && hit.until > Date.now()) return hit.principal;
    let found: Awaited<ReturnType<typeof findFresh>>;
    try {
      found = await findFresh(hash);
    } catch (error) {
      // Read again: a revocation heard while the store failed to answer has dropped the entry.
      const stale = remembered.get(hash);
      if (stale) return stale.principal;
      throw keysUnavailable(error);
    }
    const { record, cacheable } = found;
    if (!record) {
      remembered.delete(hash);
      return null;
    }
    const principal = { keyId: record.id, tenant: record.tenant, scope: record.scope };
    if (options.cacheTtlMs === 0 || !cacheable) return principal;
    if (remembered.size >= maxEntries) remembered.delete(remembered.keys().next().value!);
    remembered.set(hash, { principal, until: Date.now() + options.cacheTtlMs });
    return principal;
  }

  return {
    /**
     * The principal for an Authorization header value when its key is remembered and still
     * trusted (what `authenticate` would answer at once, without asking the store); undefined
     * otherwise, for `authenticate` to decide.
     */
    remembered(header: string): Principal | undefined {
      const match = BEARER.exec(header);
      if (!match) return undefined;
      const hit = remembered.get(hashApiKey(match[1]!));
      return hit && hit.until > Date.now() ? hit.principal : undefined;
    },
    /**
     * The principal for an Authorization header value. Throws UNAUTHENTICATED for a missing,
     * malformed or unknown key, STORE_UNAVAILABLE when the store cannot answer.
     */
    async authenticate(header: string | undefined): Promise<Principal> {
      const match = header ? BEARER.exec(header) : null;
      if (!match) {
        throw new AppError(
          "UNAUTHENTICATED",
          "an API key is required: Authorization: Bearer <key>",
        );
      }
      const principal = await lookup(hashApiKey(match[1]!));
      if (!principal) throw new AppError("UNAUTHENTICATED", "the API key is not valid");
      return principal;
    },
    /** Forgets a key at once (after revocation). */
    forget(hash: string): void {
      remembered.delete(hash);
    },
    /** Stops listening for revocations. */
    close(): void {
      stopListening();
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** `Authorization: Bearer <key>`, the key captured. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Whether `principal` may act with `scope`: admin keys may also judge. */
export function allows(principal: Principal, scope: KeyScope): boolean {
  return principal.scope === "admin" || principal.scope === scope;
}
