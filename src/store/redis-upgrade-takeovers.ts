import type { Redis } from "ioredis";
import type { CheckpointRecord } from "./checkpoint-registry.ts";

/**
 * Conflicts an upgraded process causes by itself when it starts on a Redis not yet upgraded,
 * which `jurist redis upgrade` settles instead of stopping:
 *
 * - **A bootstrapped registry.** A gateway finding no champion makes the served base model
 *   the first one (src/registry/champion-sync.ts `bootstrapChampion`): one record of kind
 *   `full` named after its base model, that champion, one history entry from none. Such a
 *   tagged registry holds nothing the old one lacks: the old registry replaces it.
 * - **A young stream.** An upgraded gateway collects into the tagged stream at once. While no
 *   consumer group reads it (no upgraded trainer started), its entries are appended to the old
 *   stream, which keeps the trainer's group, and the old stream then takes the tagged name.
 *
 * Anything else (keys created by the new version, a registry with real promotions, a stream
 * a group already reads) stays a conflict for the operator.
 */
export type Takeover = "replace-bootstrapped-registry" | "merge-young-stream";

/** Registry keys under the tag, as the takeover checks them. */
const REGISTRY = {
  checkpoints: "{registry}:checkpoints",
  champion: "{registry}:champion",
  history: "{registry}:history",
} as const;

/** True when the tagged registry holds exactly what a gateway's first start bootstraps. */
export async function isBootstrappedRegistry(redis: Redis): Promise<boolean> {
  const [records, champion, history] = await Promise.all([
    redis.hvals(REGISTRY.checkpoints),
    redis.get(REGISTRY.champion),
    redis.lrange(REGISTRY.history, 0, -1),
  ]);
  if (records.length !== 1 || history.length > 1) return false;
  const record = JSON.parse(records[0]!) as CheckpointRecord;
  const bootstrapped =
    record.kind === "full" &&
    record.baseModel === record.id &&
    record.uri === record.id &&
    record.parent === null;
  if (!bootstrapped || (champion !== null && champion !== record.id)) return false;
  if (history.length === 0) return true;
  const change = JSON.parse(history[0]!) as { from: string | null; to: string };
  return change.from === null && change.to === record.id;
}

/** True when the tagged stream exists with no consumer group. */
export async function isYoungStream(redis: Redis, stream: string): Promise<boolean> {
  if ((await redis.type(stream)) !== "stream") return false;
  const groups = (await redis.xinfo("GROUPS", stream)) as unknown[];
  return groups.length === 0;
}

// KEYS[1] old, KEYS[2] tagged: the tagged key goes, the old one takes its name. One script,
// so no process sees the name empty.
const REPLACE_LUA = `
redis.call("DEL", KEYS[2])
return redis.call("RENAME", KEYS[1], KEYS[2])`;

// KEYS[1] old stream, KEYS[2] tagged stream: the tagged stream's entries are appended to the
// old one (new ids, in order, after the old entries), then the old stream, with its consumer
// groups, takes the tagged name. Atomic: an append to either meanwhile waits for the script.
const MERGE_STREAM_LUA = `
local young = redis.call("XRANGE", KEYS[2], "-", "+")
for _, entry in ipairs(young) do
  redis.call("XADD", KEYS[1], "*", unpack(entry[2]))
end
redis.call("DEL", KEYS[2])
redis.call("RENAME", KEYS[1], KEYS[2])
return #young`;

/** Runs a takeover of `to` by `from` (names without the prefix; ioredis prefixes KEYS). */
export async function takeOver(
  redis: Redis,
  takeover: Takeover,
  from: string,
  to: string,
): Promise<void> {
  const lua = takeover === "merge-young-stream" ? MERGE_STREAM_LUA : REPLACE_LUA;
  await redis.eval(lua, 2, from, to);
}
