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
  const [value] = metadata.get("authorization");
  const header = typeof value === "string" ? value : undefined;
  const principal =
    header === undefined && !options.required
      ? ANONYMOUS
      : await options.authenticator.authenticate(header);
  if (!allows(principal, scope)) {
    throw new AppError("FORBIDDEN", `this API key's scope does not allow ${scope} calls`);
  }
  return principal;
}
