/**
 * What `JURIST_BACKENDS` names: fixed replica URLs, or DNS names whose every A/AAAA record is
 * a replica (`dns+http://vllm-headless:8000`, the shape of a Kubernetes headless Service).
 */
export type BackendTarget =
  | { kind: "static"; url: string }
  | { kind: "dns"; protocol: "http" | "https"; hostname: string; port: number };

const DNS_SCHEME = /^dns\+(https?):\/\//i;

/** Parses one entry; returns an error message instead of throwing, for config validation. */
export function parseBackendTarget(entry: string): BackendTarget | string {
  const dns = DNS_SCHEME.exec(entry);
  let url: URL;
  try {
    url = new URL(dns ? entry.slice("dns+".length) : entry);
  } catch {
    return `not a URL: ${entry}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `unsupported scheme in ${entry}: use http(s):// or dns+http(s)://`;
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username) {
    return `a backend is a base URL without path, query or credentials: ${entry}`;
  }
  if (!dns) return { kind: "static", url: url.origin };
  const protocol = url.protocol === "https:" ? "https" : "http";
  const port = url.port ? Number(url.port) : protocol === "https" ? 443 : 80;
  return { kind: "dns", protocol, hostname: url.hostname, port };
}

/** The replica URL for one resolved address of a DNS target. */
export function replicaUrl(target: Extract<BackendTarget, { kind: "dns" }>, address: string) {
  const host = address.includes(":") ? `[${address}]` : address;
  return `${target.protocol}://${host}:${target.port}`;
}
