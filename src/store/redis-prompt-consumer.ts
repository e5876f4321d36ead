import type { ConsumedEntry, ConsumerOptions, PromptConsumer } from "./prompt-log.ts";
import { decodePromptFields } from "./prompt-stream-fields.ts";
import type { RedisConnection } from "./redis-client.ts";

/** An entry as XREADGROUP / XAUTOCLAIM return it; fields are null once trimmed away. */
type RawEntry = [id: string, fields: string[] | null];

const DEFAULT_CLAIM_IDLE_MS = 5 * 60_000;

function toConsumed([entryId, fields]: RawEntry): ConsumedEntry {
  if (!fields) return { entryId, record: null, problem: "trimmed" };
  try {
    return { entryId, record: decodePromptFields(fields) };
  } catch {
    return { entryId, record: null, problem: "undecodable" };
  }
}

/** The number after `name` in XINFO's flat `[name, value, …]` reply; null when absent or nil. */
function infoNumber(flat: unknown[], name: string): number | null {
  const index = flat.indexOf(name);
  const value = index >= 0 ? flat[index + 1] : null;
  return typeof value === "number" ? value : null;
}

/**
 * A consumer group on the prompt stream. The group is created at the stream's start
 * (`XGROUP CREATE … 0 MKSTREAM`) on first use, and again if Redis lost it (a restart without
 * persistence): the trainer then rereads what is left, and its record-id check drops repeats.
 */
export function createRedisPromptConsumer(
  redis: RedisConnection,
  streamKey: string,
  options: ConsumerOptions,
): PromptConsumer {
  const { group, consumer } = options;
  const claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
  let created = false;

  async function ensureGroup(): Promise<void> {
    if (created) return;
    try {
      await redis.xgroup("CREATE", streamKey, group, "0", "MKSTREAM");
    } catch (error) {
      if (!(error as Error).message.includes("BUSYGROUP")) throw error;
    }
    created = true;
  }

  async function withGroup<T>(command: () => Promise<T>): Promise<T> {
    await ensureGroup();
    try {
      return await command();
    } catch (error) {
      if (!(error as Error).message.includes("NOGROUP")) throw error;
      created = false;
      await ensureGroup();
      return command();
    }
  }

  async function readGroup(count: number, from: "0" | ">"): Promise<RawEntry[]> {
    const reply = (await redis.xreadgroup(
      "GROUP",
      group,
      consumer,
      "COUNT",
      count,
      "STREAMS",
      streamKey,
      from,
    )) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  async function claimIdle(count: number): Promise<RawEntry[]> {
    const reply = (await redis.xautoclaim(
      streamKey,
      group,
      consumer,
      claimIdleMs,
      "0-0",
      "COUNT",
      count,
    )) as [string, RawEntry[], string[]?];
    return reply[1];
  }

  return {
    read(count) {
      return withGroup(async () => {
        let entries = await readGroup(count, "0");
        if (entries.length === 0) entries = await claimIdle(count);
        if (entries.length === 0) entries = await readGroup(count, ">");
        return entries.map(toConsumed);
      });
    },
    async ack(entryIds) {
      if (entryIds.length === 0) return;
      await withGroup(() => redis.xack(streamKey, group, ...entryIds));
    },
    backlog() {
      return withGroup(async () => {
        const groups = (await redis.xinfo("GROUPS", streamKey)) as unknown[][];
        const info = groups.find((flat) => flat[flat.indexOf("name") + 1] === group) ?? [];
        const pending = infoNumber(info, "pending") ?? 0;
        // Redis reports lag as nil after trims it cannot account for: count the stream instead.
        const lag = infoNumber(info, "lag") ?? (await redis.xlen(streamKey));
        return lag + pending;
      });
    },
  };
}
