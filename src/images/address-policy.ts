import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/**
 * Names of cloud metadata services. They resolve to link-local or CGNAT addresses that the
 * address check refuses anyway; refusing the names too means no DNS query is even made.
 */
const METADATA_HOSTNAMES: readonly string[] = [
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "instance-data",
  "instance-data.ec2.internal",
];

// Global unicast IPv6 is 2000::/3; anything outside it (::/8 with the deprecated
// IPv4-compatible ::a.b.c.d, 64:ff9b::/96 NAT64, 100::/64 …) is refused.
const GLOBAL_UNICAST_V6: Range = ipaddr.parseCIDR("2000::/3");
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Decides which destinations the image fetcher may connect to. */
export interface AddressPolicy {
  /**
   * True when a connection to this IP address may be made: a public unicast address, or one
   * inside an `allow` entry. False for anything that is not an IP address.
   */
  isAddressAllowed(address: string): boolean;
  /** True when `hostname` names a metadata service and is not itself in `allow`. */
  isHostnameRefused(hostname: string): boolean;
}

function parseAllowRange(entry: string): Range | undefined {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? max : Number(prefix);
  if (!/^\d+$/.test(prefix ?? String(max)) || bits > max) return undefined;
  return [ipaddr.parse(address), bits];
}

function normalizeHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

// The same destination can be written as IPv4 or IPv4-mapped IPv6; match both spellings.
function spellings(address: Address): Address[] {
  if (address.kind() === "ipv4") return [address, (address as ipaddr.IPv4).toIPv4MappedAddress()];
  const v6 = address as ipaddr.IPv6;
  return v6.isIPv4MappedAddress() ? [v6, v6.toIPv4Address()] : [v6];
}

function isPublic(address: Address): boolean {
  if (address.kind() === "ipv4") return address.range() === "unicast";
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return isPublic(v6.toIPv4Address());
  return v6.range() === "unicast" && v6.match(GLOBAL_UNICAST_V6);
}

/**
 * Builds the policy. Refused unless allowed: loopback, RFC 1918 private, link-local
 * (169.254.169.254 included), unique-local IPv6, unspecified, carrier-grade NAT, multicast,
 * broadcast, reserved and documentation ranges, and IPv4-mapped IPv6 forms of all of them.
 *
 * @param allow IPs (`127.0.0.1`, `::1`) or CIDRs (`10.1.0.0/16`) allowed even though
 *   private; or exact metadata hostnames to un-refuse by name (their addresses are still
 *   checked). Throws TypeError on an entry that is none of these, so a typo fails at start.
 */
export function createAddressPolicy(allow: readonly string[] = []): AddressPolicy {
  const ranges: Range[] = [];
  const names = new Set<string>();
  for (const entry of allow) {
    const range = parseAllowRange(entry.trim());
    const name = normalizeHostname(entry.trim());
    if (range) ranges.push(range);
    else if (HOSTNAME.test(name)) names.add(name);
    else throw new TypeError(`invalid allow entry: ${JSON.stringify(entry)}`);
  }
  const isInAllowList = (address: Address) =>
    spellings(address).some((spelling) =>
      ranges.some(([base, bits]) => base.kind() === spelling.kind() && spelling.match(base, bits)),
    );
  return {
    isAddressAllowed(address) {
      if (isIP(address) === 0) return false;
      const parsed = ipaddr.parse(address);
      return isPublic(parsed) || isInAllowList(parsed);
    },
    isHostnameRefused(hostname) {
      const name = normalizeHostname(hostname);
      return METADATA_HOSTNAMES.includes(name) && !names.has(name);
    },
  };
}
