import type { ChainableCommander } from "ioredis";
import type { AppendResult, PromptLog, PromptRecord } from "./prompt-log.ts";
import { decodePromptFields, encodePromptFields } from "./prompt-stream-fields.ts";
import type { RedisClient, RedisConnection } from "./redis-client.ts";
import { createRedisPromptConsumer } from "./redis-prompt-consumer.ts";

/** Options for {@link createRedisPromptLog}. */
export interface RedisPromptLogOptions {
  client: RedisClient;
  /** Entries the stream keeps; trimmed approximately (`MAXLEN ~`), so it may hold a few more. */
  maxLength: number;
}

/**
 * The stream, under the client's key prefix. It and every dedup marker carry the hash tag
 * `{prompts}`: the append script sets a marker and appends to the stream atomically, so both
 * must sit on one Redis Cluster slot. The stream is one key, so its node holds the whole
 * stream anyway; the markers (one small key per prompt for the dedup window) join it there.
 */
export const PROMPT_STREAM_KEY = "{prompts}:stream";
/** Dedup marker keys are this plus the record's content hash. */
export const PROMPT_DEDUP_KEY_PREFIX = "{prompts}:dedup:";

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
  juristAppendPrompt(dedupKey: string, streamKey: string, ...args: string[]): Promise<number>;
}
interface AppendPromptPipeline {
  juristAppendPrompt(dedupKey: string, streamKey: string, ...args: string[]): ChainableCommander;
}

/**
 * Replies that say a call did not run and may be sent again on its own. A Cluster gives the
 * first four on a slot being moved: ioredis re-sends a pipeline only when all its commands
 * failed alike; one that was cut in the middle of a reshard hands these back per command, and
 * each such record is sent again on its own (which ioredis redirects). NOSCRIPT comes from the
 * node a slot just moved to, which has not loaded the script yet: a pipeline sends EVALSHA and
 * hands the error back, where a single call falls back to EVAL by itself (ioredis 6's
 * `Command` for a defined script; seen 1 in ~700 appends by the reshard test).
 */
const CALL_DID_NOT_RUN = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|NOSCRIPT)\b/;

/**
 * The prompt log on a Redis Stream. Each record is one call of a Lua script (dedup marker
 * `SET … NX PX <window>`, then `XADD … MAXLEN ~ <maxLength>`), and a batch is one pipeline of
 * those calls: one round trip, appended in order (a Cluster sends it to the stream's node).
 * A record whose call met a slot being moved is sent again on its own, after the others.
 * `appendBatch` rejects when any call fails (Redis down: at once, as the client does not
 * queue); records of that batch that did land are reported as appended when the same records
 * are retried (their own id is in the marker), so the stream holds exactly the records
 * counted appended.
 */
export function createRedisPromptLog(options: RedisPromptLogOptions): PromptLog {
  const redis = options.client.commands as RedisConnection & AppendPromptCommand;
  const streamKey = PROMPT_STREAM_KEY;
  const maxLength = String(options.maxLength);
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: APPEND_PROMPT_LUA });

  return {
    async appendBatch(records, dedupWindowMs): Promise<AppendResult> {
      if (records.length === 0) return { appended: 0, duplicates: 0 };
      const window = String(Math.max(0, Math.ceil(dedupWindowMs)));
      const args = (record: PromptRecord): [string, string, ...string[]] => [
        `${PROMPT_DEDUP_KEY_PREFIX}${record.contentHash}`,
        streamKey,
        window,
        maxLength,
        record.id,
        ...encodePromptFields(record),
      ];
      const pipeline = redis.pipeline() as ChainableCommander & AppendPromptPipeline;
      for (const record of records) pipeline.juristAppendPrompt(...args(record));
      const results = await pipeline.exec();
      if (results?.length !== records.length) throw new Error("prompt log pipeline was discarded");
      let appended = 0;
      for (const [index, [error, value]] of results.entries()) {
        let outcome = value;
        if (error && CALL_DID_NOT_RUN.test(error.message)) {
          outcome = await redis.juristAppendPrompt(...args(records[index]!)).catch((again) => {
            throw new Error(`prompt log append failed: ${again.message}`, { cause: again });
          });
        } else if (error) {
          throw new Error(`prompt log append failed: ${error.message}`, { cause: error });
        }
        if (outcome === 1) appended++;
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
