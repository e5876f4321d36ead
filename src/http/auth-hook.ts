import type { FastifyInstance, FastifyRequest } from "fastify";
import { ANONYMOUS, type Authenticator, allows, type Principal } from "../auth/authenticator.ts";
import { AppError } from "../core/errors.ts";
import type { KeyScope } from "../store/key-store.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook of the routes that need it. */
    principal: Principal;
  }
}

export interface AuthHookOptions {
  authenticator: Authenticator;
  /** Whether a key is required; when not, a given key still names the tenant. */
  required: boolean;
}

/**
 * Whether this request needs a key beyond `required`; a string says why (the 401's message).
 * The admin routes use it for "state-changing calls need a key once any key exists".
 */
export type KeyRequiredFor = (request: FastifyRequest) => Promise<string | null>;

async function principalOf(
  request: FastifyRequest,
  options: AuthHookOptions,
  requiredFor: KeyRequiredFor | undefined,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (options.required || header) return options.authenticator.authenticate(header);
  const why = requiredFor ? await requiredFor(request) : null;
  if (why !== null) throw new AppError("UNAUTHENTICATED", why);
  return ANONYMOUS;
}

/**
 * Adds an onRequest hook to this plugin context's routes: 401 UNAUTHENTICATED without a valid
 * key (when required, or when `requiredFor` says this request needs one), 403 FORBIDDEN for a
 * key without `scope`.
 */
export function requireScope(
  app: FastifyInstance,
  scope: KeyScope,
  options: AuthHookOptions,
  requiredFor?: KeyRequiredFor,
) {
  // Fastify 5 refuses reference-type decorator defaults: start null, the hook always sets it.
  if (!app.hasRequestDecorator("principal")) app.decorateRequest("principal", null as never);
  const admit = (request: FastifyRequest, principal: Principal, done: HookDone) => {
    if (!allows(principal, scope)) {
      done(new AppError("FORBIDDEN", `this API key's scope does not allow ${scope} calls`));
      return;
    }
    request.principal = principal;
    done();
  };
  // A callback hook: no promise per request when the answer is known at once (no key where
  // none is required, or a key the authenticator remembers); the store is asked otherwise.
  app.addHook("onRequest", (request, _reply, done) => {
    const known = knownPrincipal(request, options, requiredFor);
    if (known) return admit(request, known, done);
    principalOf(request, options, requiredFor).then(
      (principal) => admit(request, principal, done),
      (error: Error) => done(error),
    );
  });
}

type HookDone = (error?: Error) => void;

/** The principal when it needs no wait: anonymous where allowed, or a remembered key's. */
function knownPrincipal(
  request: FastifyRequest,
  options: AuthHookOptions,
  requiredFor: KeyRequiredFor | undefined,
): Principal | undefined {
  const header = request.headers.authorization;
  if (header) return options.authenticator.remembered(header);
  if (!options.required && !requiredFor) return ANONYMOUS;
  return undefined;
}
