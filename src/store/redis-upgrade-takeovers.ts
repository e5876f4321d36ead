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

// KEYS old and tagged name of each registry key, in pairs; ARGV each tagged key's DUMP when
// the plan judged the registry bootstrapped. The tagged keys go and the old ones take their
// names, in one script so no process sees a registry half replaced — only if every tagged key
// is still what was judged: a process may have registered or promoted a checkpoint since (a
// gateway starting after the live check, or any process under --force), and that registry
// must not be deleted, nor mixed with the old one. 0 when any changed.
const REPLACE_LUA = `
for i = 1, #KEYS, 2 do
  if redis.call("DUMP", KEYS[i + 1]) ~= ARGV[(i + 1) / 2] then return 0 end
end
for i = 1, #KEYS, 2 do
  redis.call("DEL", KEYS[i + 1])
  redis.call("RENAME", KEYS[i], KEYS[i + 1])
end
return 1`;

// KEYS[1] old stream, KEYS[2] tagged stream; ARGV[1] entries per call. Moves the tagged
// stream's oldest entries to the end of the old one (new ids, in order) and deletes them from
// the tagged one, a bounded batch per call: the young stream may hold up to the stream's
// length cap (a million entries, ~4 GB), which one script would read into Lua at once,
// blocking Redis (and every process on it) and growing its memory outside maxmemory. Each call
// is atomic, so an upgrade cut short resumes where it stopped with nothing copied twice. The
// call that finds the tagged stream drained deletes it and gives the old stream, with its
// consumer groups, the tagged name. Returns 2 while entries remain, 1 done, 0 refused: the
// tagged stream is not a stream any more or a consumer group reads it by now (a trainer that
// started since the plan; deleting the stream would take its group and position).
const MERGE_STREAM_LUA = `
if redis.call("TYPE", KEYS[2]).ok ~= "stream" then return 0 end
if #redis.call("XINFO", "GROUPS", KEYS[2]) > 0 then return 0 end
local count = tonumber(ARGV[1])
local young = redis.call("XRANGE", KEYS[2], "-", "+", "COUNT", count)
for _, entry in ipairs(young) do
  redis.call("XADD", KEYS[1], "*", unpack(entry[2]))
  redis.call("XDEL", KEYS[2], entry[1])
end
if #young == count then return 2 end
redis.call("DEL", KEYS[2])
redis.call("RENAME", KEYS[1], KEYS[2])
return 1`;

/** Entries a merge call moves: bounded work per script, ~4 MB at ~3.95 KB per entry. */
export const MERGE_BATCH = 1_000;

/**
 * Runs the registry's takeover: every pair at once (names without the prefix; ioredis
 * prefixes KEYS), each `to` expected to be the DUMP the plan took. False when any `to` is no
 * longer what the plan judged: nothing changed, the pairs are conflicts again.
 */
export async function replaceBootstrappedRegistry(
  redis: Redis,
  moves: readonly { from: string; to: string; expected?: Buffer | null }[],
): Promise<boolean> {
  const keys = moves.flatMap((move) => [move.from, move.to]);
  const dumps = moves.map((move) => move.expected ?? "");
  return (await redis.eval(REPLACE_LUA, keys.length, ...keys, ...dumps)) === 1;
}

/**
 * Merges the young tagged stream `to` into the old one `from`, `batch` entries per script;
 * false when a consumer group reads it by now (what was moved before stays moved: running
 * the upgrade again after settling the conflict finishes it).
 */
export async function mergeYoungStream(
  redis: Redis,
  from: string,
  to: string,
  batch = MERGE_BATCH,
): Promise<boolean> {
  for (;;) {
    const step = await redis.eval(MERGE_STREAM_LUA, 2, from, to, String(batch));
    if (step !== 2) return step === 1;
  }
}
