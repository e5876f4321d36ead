import type { GatewayPeers } from "./gateway-peers.ts";

/** Gateways of one process: when each was last heard from. Shared by handing it to each. */
export function createMemoryGatewayPeers(): GatewayPeers {
  const lastSeen = new Map<string, number>();
  return {
    async beat(gateway, now, ttlMs) {
      lastSeen.set(gateway, now);
      for (const [id, seen] of lastSeen) if (seen < now - ttlMs) lastSeen.delete(id);
      return lastSeen.size;
    },
    async leave(gateway) {
      lastSeen.delete(gateway);
    },
  };
}
