import type { RedisConnection } from "./redis-client.ts";

/**
 * The state keys as versions before the Redis Cluster hash tags named them, and the tagged
 * names that replaced them (all under `JURIST_REDIS_PREFIX`). The stores now read only the
 * tagged names, so a gateway started on a Redis still holding these sees no API keys, no
 * champion and an empty prompt stream: `jurist redis upgrade` renames them
 * (src/store/redis-key-upgrade.ts), and every process warns while they remain
 * (src/store/legacy-key-watch.ts). The value formats did not change, only the names.
 */
export const LEGACY_KEYS: readonly { from: string; to: string }[] = [
  { from: "registry:checkpoints", to: "{registry}:checkpoints" },
  { from: "registry:champion", to: "{registry}:champion" },
  { from: "registry:history", to: "{registry}:history" },
  { from: "keys:ids", to: "{keys}:ids" },
  // The stream keeps its consumer groups (the trainer's position) through a rename.
  { from: "prompts", to: "{prompts}:stream" },
];

/**
 * Families of keys with one key per item, found by SCAN. A dedup marker is only a hint that a
 * prompt was collected in the last window: when the tagged one exists too, the old one is left
 * to expire (`conflicts: "skip"`) instead of stopping the upgrade.
 */
export const LEGACY_KEY_FAMILIES: readonly {
  from: string;
  to: string;
  conflicts: "refuse" | "skip";
}[] = [
  { from: "keys:by-hash:", to: "{keys}:by-hash:", conflicts: "refuse" },
  { from: "dedup:", to: "{prompts}:dedup:", conflicts: "skip" },
];

/**
 * The old fixed-name keys that exist on `redis` (names without the prefix). One EXISTS per
 * key, not one multi-key EXISTS: on a Redis Cluster the names hash to different slots.
 */
export async function findLegacyKeys(redis: RedisConnection): Promise<string[]> {
  const found = await Promise.all(LEGACY_KEYS.map(({ from }) => redis.exists(from)));
  return LEGACY_KEYS.filter((_, index) => found[index]! > 0).map(({ from }) => from);
}
