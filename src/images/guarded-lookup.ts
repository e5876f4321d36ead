import type { LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import type { AddressPolicy } from "./address-policy.ts";

/**
 * Resolves a hostname to every address it has (like `dns.lookup` with `all: true`).
 * Rejects with a DNS error (`code` ENOTFOUND, EAI_AGAIN, …) when it cannot.
 */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/** Raised inside the socket's lookup when no resolved address passes the policy. */
export class AddressNotAllowedError extends Error {
  readonly code = "ERR_ADDRESS_NOT_ALLOWED";

  constructor(hostname: string) {
    super(`${hostname} resolves to no address that may be fetched`);
    this.name = "AddressNotAllowedError";
  }
}

const systemResolve: ResolveHost = (hostname) => lookup(hostname, { all: true });

function wantedFamily(family: LookupAddress["family"] | string | undefined): number {
  if (family === "IPv4") return 4;
  if (family === "IPv6") return 6;
  return typeof family === "number" ? family : 0;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" });
}

/**
 * A `net.connect` lookup that resolves, then hands the socket only addresses the policy
 * allows. Checking here — on the very addresses the socket will connect to — is what stops
 * DNS rebinding: there is no second resolution between check and connect. Addresses that
 * fail the policy are dropped; if none is left the lookup fails with
 * {@link AddressNotAllowedError} and no connection is attempted. Honours `options.all`
 * (used by Node's happy-eyeballs `autoSelectFamily`) and `options.family`.
 */
export function createGuardedLookup(
  policy: AddressPolicy,
  resolveHost: ResolveHost = systemResolve,
): LookupFunction {
  return (hostname, options, callback) => {
    const settle = async () => {
      if (policy.isHostnameRefused(hostname)) throw new AddressNotAllowedError(hostname);
      const family = wantedFamily(options.family);
      const resolved = (await resolveHost(hostname)).filter(
        (entry) => family === 0 || entry.family === family,
      );
      if (resolved.length === 0) throw notFound(hostname);
      const allowed = resolved.filter((entry) => policy.isAddressAllowed(entry.address));
      if (allowed.length === 0) throw new AddressNotAllowedError(hostname);
      return allowed;
    };
    settle().then(
      (allowed) => {
        if (options.all) callback(null, allowed);
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}
