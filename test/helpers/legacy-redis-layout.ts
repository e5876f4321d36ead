import { Redis } from "ioredis";
import { generateApiKey } from "../../src/auth/api-key.ts";
import { PROMOTE_LUA } from "../../src/store/checkpoint-registry-lua.ts";
import {
  HISTORY_LIMIT,
  toStoredCheckpointRecord,
} from "../../src/store/checkpoint-registry-rules.ts";
import type { PromptRecord } from "../../src/store/prompt-log.ts";
import { encodePromptFields } from "../../src/store/prompt-stream-fields.ts";
import { toStoredKeyRecord } from "../../src/store/stored-key-record.ts";

/**
 * The key store's add script as versions before the Cluster hash tags ran it
 * (`git show 79a0ab1:src/store/redis-key-store.ts`), with the key names they passed:
 * KEYS[1] `keys:ids`, KEYS[2] `keys:by-hash:<sha>`.
 */
const OLD_KEY_ADD = `
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 or redis.call("EXISTS", KEYS[2]) == 1 then
  return 0
end
redis.call("SET", KEYS[2], ARGV[3])
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** The champion this layout holds. */
export const LEGACY_CHAMPION = "ckpt-before-upgrade";

/** A collected prompt as the old gateway appended it. */
export function legacyPrompt(n: number): PromptRecord {
  return {
    id: `col_legacy${n}`,
    tenant: "acme",
    question: `Which answer is better? (${n})`,
    imageHashes: [],
    responses: [`answer A ${n}`, `answer B ${n}`],
    verdict: { winner: "A", probabilityA: 0.8, consistent: true },
    checkpoint: LEGACY_CHAMPION,
    at: 1_700_000_000_000 + n,
    contentHash: `${n}`.padStart(64, "0"),
  };
}

/**
 * Writes a state Redis as a version before the hash tags left it (79a0ab1: the key names of
 * src/store/redis-key-store.ts, redis-checkpoint-registry.ts, redis-prompt-log.ts and
 * redis-prompt-consumer.ts there; value formats are unchanged since): an admin API key, a
 * registered and promoted checkpoint (the promote script's text is unchanged, only the keys
 * it is given), three collected prompts with their dedup markers, and the trainer's consumer
 * group having read one of them. Returns the plain API key.
 */
export async function seedLegacyLayout(url: string, prefix: string): Promise<{ apiKey: string }> {
  const redis = new Redis(url, { keyPrefix: prefix });
  try {
    const { plain, record } = generateApiKey("acme", "admin");
    const stored = toStoredKeyRecord(record);
    const added = await redis.eval(
      OLD_KEY_ADD,
      2,
      "keys:ids",
      `keys:by-hash:${stored.hash}`,
      stored.id,
      stored.hash,
      JSON.stringify(stored),
    );
    if (added !== 1) throw new Error("seeding the old key store failed");

    const checkpoint = toStoredCheckpointRecord({
      id: LEGACY_CHAMPION,
      kind: "lora",
      baseModel: "judge-base",
      uri: "file:///checkpoints/before-upgrade",
      parent: null,
      created: 1_700_000_000_000,
      status: "candidate",
      gateReport: null,
    });
    await redis.hset("registry:checkpoints", checkpoint.id, JSON.stringify(checkpoint));
    const swap = JSON.parse(
      String(
        await redis.eval(
          PROMOTE_LUA,
          3,
          "registry:checkpoints",
          "registry:champion",
          "registry:history",
          "0",
          "",
          `${prefix}registry:events`,
          Date.now(),
          HISTORY_LIMIT,
          LEGACY_CHAMPION,
        ),
      ),
    ) as { ok: boolean };
    if (!swap.ok) throw new Error(`seeding the old registry failed: ${JSON.stringify(swap)}`);

    // The old consumer created its group before the first read (XGROUP CREATE … MKSTREAM).
    await redis.xgroup("CREATE", "prompts", "trainer", "0", "MKSTREAM");
    for (const n of [1, 2, 3]) {
      const prompt = legacyPrompt(n);
      await redis.set(`dedup:${prompt.contentHash}`, prompt.id, "PX", 86_400_000);
      await redis.xadd("prompts", "MAXLEN", "~", "1000", "*", ...encodePromptFields(prompt));
    }
    await redis.xreadgroup("GROUP", "trainer", "worker-1", "COUNT", 1, "STREAMS", "prompts", ">");
    return { apiKey: plain };
  } finally {
    redis.disconnect();
  }
}
