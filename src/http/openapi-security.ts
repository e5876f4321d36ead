import { type AuthPolicy, routeNeedsKey } from "../auth/auth-policy.ts";

/** The name of the bearer scheme in the OpenAPI document's `components.securitySchemes`. */
export const BEARER = "bearer";

/** `components.securitySchemes` of the OpenAPI document. */
export const securitySchemes = {
  [BEARER]: {
    type: "http" as const,
    scheme: "bearer",
    description:
      "An API key from `jurist keys create`, sent as `Authorization: Bearer <key>`. Required on " +
      "every route that lists only this scheme; where the route also lists no scheme ({}), the " +
      "key is optional and names the tenant — except state-changing admin calls, which need an " +
      "admin key once any key exists (docs/security.md).",
  },
};

type SecurityRequirement = Record<string, string[]>;

const KEY: SecurityRequirement[] = [{ [BEARER]: [] }];
const KEY_OPTIONAL: SecurityRequirement[] = [{ [BEARER]: [] }, {}];
const NONE: SecurityRequirement[] = [];

/** Routes every probe may call: never behind a key. */
const PROBES = new Set(["/healthz", "/readyz"]);

/**
 * The `security` of one route in the OpenAPI document, as the hooks decide it (the auth
 * hook on judging, reward and admin routes; `/v1/models` unless JURIST_PUBLIC_ROUTES lists
 * it). test/src/http/openapi.test.ts checks every route's answer without a key against it.
 */
export function routeSecurity(url: string, policy: AuthPolicy): SecurityRequirement[] {
  if (PROBES.has(url)) return NONE;
  if (url === "/v1/models") {
    return routeNeedsKey(policy, "models") ? KEY : NONE;
  }
  return policy.required ? KEY : KEY_OPTIONAL;
}
