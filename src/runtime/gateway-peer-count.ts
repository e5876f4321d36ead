import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { PeerDiscovery } from "../config/admission-settings.ts";
import type { ResolveAll } from "../engine/replica-discovery.ts";
import type { GatewayPeers } from "../store/gateway-peers.ts";

/** A gateway unheard of for this many intervals is no longer counted. */
export const PEER_TTL_INTERVALS = 5;

export interface GatewayPeerCountOptions {
  discovery: PeerDiscovery;
  /**
   * This process's entry in the store (default: {@link processPeerId}). A stable one (the
   * trainer worker's `trainer:<consumer>`) lets a restart take its old entry over rather than
   * be counted twice until the old one expires.
   */
  id?: string | undefined;
  /** How often the gateways are counted (and this one beats), ms. */
  intervalMs: number;
  /** Where `auto` beats and counts: the state Redis, or this process alone. */
  store: GatewayPeers;
  /** DNS resolution for `dns:` (tests inject one). */
  resolveAll?: ResolveAll | undefined;
  logger: Logger;
  /** Each count read (the first one too), whether or not it changed. */
  onCount(gateways: number): void;
  /** A count that could not be read; the last known one stays. */
  onFailure?(): void;
}

/** Unique per process: a restarted pod is a new peer, its old entry expires with the TTL. */
export function processPeerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

const systemResolveAll: ResolveAll = async (name) =>
  (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Pods behind a name's addresses: the distinct addresses of the family with more of them. A
 * dual-stack headless Service answers an A and an AAAA record per ready pod (both come back
 * from `lookup` with `all`), which counted once each would make every gateway admit half its
 * share.
 */
function podsOf(addresses: readonly string[]): number {
  const distinct = new Set(addresses);
  const v6 = [...distinct].filter((address) => address.includes(":")).length;
  return Math.max(v6, distinct.size - v6);
}

/**
 * Counts the gateways sharing the replicas, now and on an interval: a fixed number, the
 * addresses of a DNS name, or (`auto`) the gateways that beat into the store within
 * {@link PEER_TTL_INTERVALS} intervals. A read that fails keeps the last known count rather
 * than falling back to 1, which would let every gateway admit the whole replica (the fleet ×N);
 * a gateway that never read a count counts itself alone. Never below 1: this gateway is one.
 */
export function createGatewayPeerCount(options: GatewayPeerCountOptions) {
  const { discovery, intervalMs, logger } = options;
  const id = options.id ?? processPeerId();
  const ttlMs = intervalMs * PEER_TTL_INTERVALS;
  const resolveAll = options.resolveAll ?? systemResolveAll;
  let gateways = discovery.kind === "static" ? discovery.count : 1;
  let failing = false;
  let reading: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function read(): Promise<number> {
    if (discovery.kind === "dns") return podsOf(await resolveAll(discovery.hostname));
    return options.store.beat(id, Date.now(), ttlMs);
  }

  async function refresh(): Promise<void> {
    try {
      const counted = Math.max(1, await read());
      if (failing) logger.info({ gateways: counted }, "gateways counted again");
      failing = false;
      gateways = counted;
    } catch (error) {
      options.onFailure?.();
      if (!failing) {
        logger.warn(
          { err: error, gateways, discovery: discovery.kind },
          "could not count the gateways; keeping the last known count",
        );
      }
      failing = true;
    }
    options.onCount(gateways);
  }

  /** One read at a time: a slow store (up to its command timeout) never stacks reads up. */
  function refreshOnce(): Promise<void> {
    reading ??= refresh().finally(() => {
      reading = undefined;
    });
    return reading;
  }

  return {
    /** This gateway's id among its peers. */
    id,
    /** Gateways counted now, this one included. */
    gateways: (): number => gateways,
    /** Reads once (so the gateway starts with a count), then on the interval. */
    async start(): Promise<void> {
      if (discovery.kind === "static") {
        options.onCount(gateways);
        return;
      }
      await refreshOnce();
      timer = setInterval(() => void refreshOnce(), intervalMs);
      timer.unref();
    },
    refresh: refreshOnce,
    /** Stops counting and, with `auto`, leaves at once so the others raise their share. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await reading;
      if (discovery.kind !== "auto") return;
      await options.store.leave(id).catch((error: unknown) => {
        logger.warn({ err: error }, "could not leave the gateways' set; it expires on its own");
      });
    },
  };
}

export type GatewayPeerCount = ReturnType<typeof createGatewayPeerCount>;
