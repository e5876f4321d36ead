import { createHash } from "node:crypto";

/**
 * vLLM's automatic prefix cache, as far as `cached_tokens` shows it (vllm/v1/core/
 * kv_cache_manager.py `get_computed_blocks`, vllm/v1/core/kv_cache_utils.py block hashes):
 * the prompt is cut into blocks of 16 tokens; each full block's hash chains the previous
 * block's hash, its tokens and extra keys (the LoRA adapter, image hashes); a request reuses
 * the longest run of leading blocks already cached, never its last token (which must be
 * computed for logits), and its own full blocks are cached when it is scheduled.
 */
export const BLOCK_SIZE = 16;

/** Oldest blocks are forgotten first past this many, as a full KV cache evicts. */
const MAX_BLOCKS = 200_000;

export function createPrefixCache(blockSize = BLOCK_SIZE, maxBlocks = MAX_BLOCKS) {
  const blocks = new Set<string>();

  function hashes(model: string, tokens: readonly string[]): string[] {
    const out: string[] = [];
    let parent = model;
    for (let end = blockSize; end <= tokens.length; end += blockSize) {
      parent = createHash("sha256")
        .update(parent)
        .update(JSON.stringify(tokens.slice(end - blockSize, end)))
        .digest("hex");
      out.push(parent);
    }
    return out;
  }

  return {
    /** Cached tokens for this prompt of this served model; then caches its full blocks. */
    admit(model: string, tokens: readonly string[]): number {
      const all = hashes(model, tokens);
      const usable = Math.floor(Math.max(tokens.length - 1, 0) / blockSize);
      let hits = 0;
      while (hits < usable && blocks.has(all[hits]!)) hits++;
      for (const hash of all) {
        blocks.delete(hash);
        blocks.add(hash);
      }
      while (blocks.size > maxBlocks) blocks.delete(blocks.values().next().value!);
      return hits * blockSize;
    },
  };
}

export type PrefixCache = ReturnType<typeof createPrefixCache>;
