import type { Metadata } from "@grpc/grpc-js";
import { ANONYMOUS, type Authenticator, allows, type Principal } from "../auth/authenticator.ts";
import { AppError } from "../core/errors.ts";
import type { KeyScope } from "../store/key-store.ts";

/** How calls are authenticated: the runtime's `auth`, shared with HTTP. */
export interface CallAuthOptions {
  authenticator: Authenticator;
  /** Whether a key is required; when not, a given key still names the tenant. */
  required: boolean;
}

/** The call's `authorization` metadata (`Bearer <key>`), if it sent one. */
export function bearerHeader(metadata: Metadata): string | undefined {
  const [value] = metadata.get("authorization");
  return typeof value === "string" ? value : undefined;
}

// Principals already established for a call's metadata (by `key-before-message.ts`, before the
// message was read), so the handler does not hash and look up the same key again. grpc-js hands
// the handler the very Metadata object the interceptor forwarded. Weak: it goes with the call.
const authenticated = new WeakMap<Metadata, Principal>();

/** Authenticates the call's key and remembers the principal for the handler's own check. */
export async function authenticateCall(
  metadata: Metadata,
  authenticator: Authenticator,
): Promise<Principal> {
  const principal = await authenticator.authenticate(bearerHeader(metadata));
  authenticated.set(metadata, principal);
  return principal;
}

/**
 * The caller of a gRPC call from its `authorization: Bearer <key>` metadata, with the same keys
 * and rules as HTTP: UNAUTHENTICATED without a valid key (when required, or when a key is
 * given), FORBIDDEN for a key whose scope does not allow `scope`.
 */
export async function callPrincipal(
  metadata: Metadata,
  options: CallAuthOptions,
  scope: KeyScope,
): Promise<Principal> {
  const header = bearerHeader(metadata);
  const principal =
    authenticated.get(metadata) ??
    (header === undefined && !options.required
      ? ANONYMOUS
      : await options.authenticator.authenticate(header));
  if (!allows(principal, scope)) {
    throw new AppError("FORBIDDEN", `this API key's scope does not allow ${scope} calls`);
  }
  return principal;
}
