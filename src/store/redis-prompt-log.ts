import type { ChainableCommander } from "ioredis";
import type { AppendResult, PromptLog } from "./prompt-log.ts";
import { decodePromptFields, encodePromptFields } from "./prompt-stream-fields.ts";
import type { RedisClient } from "./redis-client.ts";
import { createRedisPromptConsumer } from "./redis-prompt-consumer.ts";

/** Options for {@link createRedisPromptLog}. */
export interface RedisPromptLogOptions {
  client: RedisClient;
  /** Entries the stream keeps; trimmed approximately (`MAXLEN ~`), so it may hold a few more. */
  maxLength: number;
  /** Stream key under the client's prefix. Default `prompts`. */
  streamKey?: string;
  /** Dedup marker keys are this plus the content hash, under the client's prefix. Default `dedup:`. */
  dedupKeyPrefix?: string;
}

// Both keys arrive as KEYS so ioredis applies the client's keyPrefix (it cannot see keys built
// inside Lua). The marker is set first so the check is atomic with the append; if XADD fails
// the marker is removed again, so a failed append never hides the record for a whole window.
// The marker holds the record's id: when an outage cuts a pipeline after some of its calls ran,
// the collector retries the whole batch, and a record that did land finds its own id in the
// marker — it counts as appended (without a second XADD), not as a duplicate of itself.
const APPEND_PROMPT_LUA = `
local window = ARGV[1]
if window ~= "0" then
  if not redis.call("SET", KEYS[1], ARGV[3], "NX", "PX", window) then
    if redis.call("GET", KEYS[1]) == ARGV[3] then return 1 end
    return 0
  end
end
local added = redis.pcall("XADD", KEYS[2], "MAXLEN", "~", ARGV[2], "*", unpack(ARGV, 4))
if type(added) == "table" and added.err then
  if window ~= "0" then redis.call("DEL", KEYS[1]) end
  return added
end
return 1
`;

const COMMAND = "juristAppendPrompt";

interface AppendPromptCommand {
  juristAppendPrompt(dedupKey: string, streamKey: string, ...args: string[]): ChainableCommander;
}

/**
 * The prompt log on a Redis Stream. Each record is one call of a Lua script (dedup marker
 * `SET … NX PX <window>`, then `XADD … MAXLEN ~ <maxLength>`), and a batch is one pipeline of
 * those calls: one round trip. `appendBatch` rejects when any call fails (Redis down: at once,
 * as the client does not queue); records of that batch that did land are reported as
 * appended when the same records are retried (their own id is in the marker), so the stream
 * holds exactly the records counted appended.
 */
export function createRedisPromptLog(options: RedisPromptLogOptions): PromptLog {
  const redis = options.client.commands;
  const streamKey = options.streamKey ?? "prompts";
  const dedupKeyPrefix = options.dedupKeyPrefix ?? "dedup:";
  const maxLength = String(options.maxLength);
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: APPEND_PROMPT_LUA });

  return {
    async appendBatch(records, dedupWindowMs): Promise<AppendResult> {
      if (records.length === 0) return { appended: 0, duplicates: 0 };
      const window = String(Math.max(0, Math.ceil(dedupWindowMs)));
      const pipeline = redis.pipeline() as ChainableCommander & AppendPromptCommand;
      for (const record of records) {
        const dedupKey = `${dedupKeyPrefix}${record.contentHash}`;
        pipeline.juristAppendPrompt(
          dedupKey,
          streamKey,
          window,
          maxLength,
          record.id,
          ...encodePromptFields(record),
        );
      }
      const results = await pipeline.exec();
      if (results?.length !== records.length) throw new Error("prompt log pipeline was discarded");
      let appended = 0;
      for (const [error, value] of results) {
        if (error) throw new Error(`prompt log append failed: ${error.message}`, { cause: error });
        if (value === 1) appended++;
      }
      return { appended, duplicates: records.length - appended };
    },
    async length() {
      return redis.xlen(streamKey);
    },
    async tail(count) {
      if (count <= 0) return [];
      const entries = await redis.xrevrange(streamKey, "+", "-", "COUNT", count);
      return entries.reverse().map(([, fields]) => decodePromptFields(fields));
    },
    consumer(consumerOptions) {
      return createRedisPromptConsumer(redis, streamKey, consumerOptions);
    },
  };
}
