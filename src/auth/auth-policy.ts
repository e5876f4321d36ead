import type { KeyStore } from "../store/key-store.ts";
import { type Authenticator, createAuthenticator, keysUnavailable } from "./authenticator.ts";

/** What may answer without a key when keys are required (JURIST_PUBLIC_ROUTES). */
export type PublicRoute = "models" | "docs";

/** Who may call what, decided once from configuration and shared by HTTP and gRPC. */
export interface AuthPolicy {
  authenticator: Authenticator;
  /** Whether every call needs a key (JURIST_AUTH); when not, a given key still names the tenant. */
  required: boolean;
  /**
   * Whether any API key exists: state-changing admin calls need an admin key then, whatever
   * `required` says, so creating the first key closes the admin API.
   */
  anyKey(): Promise<boolean>;
  /** Routes that answer without a key even when `required`. */
  publicRoutes: ReadonlySet<PublicRoute>;
  /** Browser origins besides the gateway's own allowed to make state-changing admin calls. */
  adminOrigins: ReadonlySet<string>;
  /**
   * True when the gateway listens on loopback only: a state-changing admin call must then
   * name a loopback host, which a page on a rebound DNS name cannot (DNS rebinding).
   */
  loopbackOnly: boolean;
}

export interface AuthPolicyOptions {
  keys: KeyStore;
  required: boolean;
  cacheTtlMs: number;
  publicRoutes: readonly PublicRoute[];
  adminOrigins: readonly string[];
  loopbackOnly: boolean;
}

/** The policy, with an authenticator that forgets revoked keys as the store announces them. */
export function createAuthPolicy(options: AuthPolicyOptions): AuthPolicy {
  return {
    authenticator: createAuthenticator({ keys: options.keys, cacheTtlMs: options.cacheTtlMs }),
    required: options.required,
    anyKey: () =>
      options.keys.hasAny().catch((error: unknown) => {
        // Fail closed: an admin call that cannot tell whether keys exist is refused, not let in.
        throw keysUnavailable(error);
      }),
    publicRoutes: new Set(options.publicRoutes),
    adminOrigins: new Set(options.adminOrigins.map((origin) => new URL(origin).origin)),
    loopbackOnly: options.loopbackOnly,
  };
}

/** Whether `route` needs a key under `policy`. */
export function routeNeedsKey(
  policy: Pick<AuthPolicy, "required" | "publicRoutes">,
  route: PublicRoute,
): boolean {
  return policy.required && !policy.publicRoutes.has(route);
}
