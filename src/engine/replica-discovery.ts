import { lookup } from "node:dns/promises";
import type { Logger } from "pino";
import { type BackendTarget, replicaUrl } from "./backend-targets.ts";

/** Resolves a hostname to every address it has (A and AAAA). */
export type ResolveAll = (hostname: string) => Promise<string[]>;

const systemResolveAll: ResolveAll = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface ReplicaDiscoveryOptions {
  targets: readonly BackendTarget[];
  /** How often DNS targets are re-resolved, ms. */
  intervalMs: number;
  /** Receives the full replica URL list whenever it may have changed. */
  onUrls: (urls: string[]) => Promise<void>;
  logger: Logger;
  resolveAll?: ResolveAll;
}

/**
 * Turns backend targets into replica URLs: static URLs as they are, DNS targets re-resolved on
 * an interval (every address one replica). A failed lookup keeps that name's last known
 * addresses: a DNS hiccup must not empty the fleet.
 */
export function createReplicaDiscovery(options: ReplicaDiscoveryOptions) {
  const resolveAll = options.resolveAll ?? systemResolveAll;
  const lastKnown = new Map<string, string[]>();
  let timer: NodeJS.Timeout | undefined;

  async function urlsOf(target: BackendTarget): Promise<string[]> {
    if (target.kind === "static") return [target.url];
    try {
      const addresses = [...new Set(await resolveAll(target.hostname))].sort();
      const urls = addresses.map((address) => replicaUrl(target, address));
      lastKnown.set(target.hostname, urls);
      return urls;
    } catch (error) {
      options.logger.warn(
        { hostname: target.hostname, err: error },
        "replica DNS lookup failed; keeping the last known addresses",
      );
      return lastKnown.get(target.hostname) ?? [];
    }
  }

  async function refresh(): Promise<void> {
    const lists = await Promise.all(options.targets.map(urlsOf));
    await options.onUrls([...new Set(lists.flat())]);
  }

  return {
    /** Resolves once (so the fleet starts with replicas), then on the interval if any DNS target. */
    async start(): Promise<void> {
      await refresh();
      if (options.targets.some((target) => target.kind === "dns")) {
        timer = setInterval(() => void refresh(), options.intervalMs);
        timer.unref();
      }
    },
    refresh,
    stop(): void {
      clearInterval(timer);
    },
  };
}
