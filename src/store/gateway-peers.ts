/**
 * Where the gateways sharing a set of replicas find each other: each one says it is alive at
 * an interval and reads how many others did recently. The count divides each replica's
 * capacity between them (src/engine/replica-capacity.ts). Redis for a fleet of gateways; in
 * memory for one process (the embedded default, tests).
 */
export interface GatewayPeers {
  /**
   * Records `gateway` alive at `now` (epoch ms), forgets those not heard from since
   * `now - ttlMs`, and returns how many gateways are left, this one included. Rejects while
   * the store is unreachable; the caller keeps its last count.
   */
  beat(gateway: string, now: number, ttlMs: number): Promise<number>;
  /** Forgets `gateway` at once (it is shutting down), so the others need not wait out its TTL. */
  leave(gateway: string): Promise<void>;
}
