import { createHash } from "node:crypto";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";
import type { PromptLog, PromptRecord } from "../../src/store/prompt-log.ts";

/**
 * Puts `count` collected prompts into the prompt log the way the gateway's collector does:
 * image bytes into the blob store, a record naming their SHA-256s into the stream. The
 * questions and images are the sim's seed prompts, so the simulated generator knows them.
 */
export async function collectPrompts(
  log: PromptLog,
  blobs: BlobStore,
  count: number,
  seed = 11,
): Promise<PromptRecord[]> {
  const records: PromptRecord[] = [];
  for (const [index, { prompt, image }] of makeSeedPrompts(count, seed).entries()) {
    const sha256 = createHash("sha256").update(image).digest("hex");
    await blobs.put(sha256, image);
    records.push({
      id: `col_${seed}_${index}`,
      tenant: "acme",
      question: prompt.question,
      imageHashes: [sha256],
      responses: ["first answer", "second answer"],
      verdict: { winner: "A", probabilityA: 0.8, consistent: true },
      checkpoint: "judge-base",
      at: 1_700_000_000_000 + index,
      contentHash: `content-${seed}-${index}`,
    });
  }
  await log.appendBatch(records, 0);
  return records;
}
