import { isIP } from "node:net";

/** Why a URL may not be fetched, or undefined when it may. */
export type RemoteUrlProblem = "unsupported_scheme" | "credentials_not_allowed";

/**
 * Checks the parts of a URL that make it fetchable at all: only `http:` and `https:` (no
 * `file:`, `ftp:`, `gopher:` …), and no `user:password@` (they would be sent upstream and
 * logged). Addresses are the address policy's business, not this check's.
 */
export function remoteUrlProblem(url: URL): RemoteUrlProblem | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "unsupported_scheme";
  if (url.username !== "" || url.password !== "") return "credentials_not_allowed";
  return undefined;
}

/** The host of `url` as an IP literal without IPv6 brackets, or undefined for a name. */
export function literalHost(url: URL): string | undefined {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  // The same test net.connect uses to skip its lookup, so every host is checked exactly once.
  return isIP(host) === 0 ? undefined : host;
}
