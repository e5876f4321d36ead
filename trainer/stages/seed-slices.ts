import { hashHex } from "../core/seeded-hash.ts";
import { seedLines } from "../io/jsonl-files.ts";

/** Which seed lines one iteration takes (`--prompts-per-iteration`). */
export interface SeedSlice {
  /** `<file>:<line>` of every line in the slice (the positions intake names seed lines by). */
  positions: Set<string>;
  /** Non-empty seed lines in all files. */
  total: number;
  /** The slice's first and one-past-last rank. */
  from: number;
  to: number;
}

/** A line's key: its `id` when it states one, else its text. */
function lineKey(line: string): string {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    if (typeof id === "string" && id) return `id:${id}`;
  } catch {
    // Not JSON: intake will skip it as invalid; its text still ranks it.
  }
  return `line:${line.trim()}`;
}

/**
 * Iteration n's disjoint share of the seed prompts: every non-empty line of `files` is ranked
 * by SHA-256(seed, its id or text), one fixed permutation for every iteration, and iteration n
 * takes ranks [(n − 1)·size, n·size). So iterations never share a seed prompt, a resumed
 * iteration takes the same slice, and the order of the files does not matter. Reads only the
 * text (no images).
 */
export async function seedSlice(
  files: readonly string[],
  options: { seed: number; iteration: number; size: number },
): Promise<SeedSlice> {
  const ranked: { position: string; rank: string; order: number }[] = [];
  for await (const { position, line } of seedLines(files)) {
    const rank = hashHex("seed-slice", options.seed, lineKey(line));
    ranked.push({ position, rank, order: ranked.length });
  }
  ranked.sort((x, y) => (x.rank === y.rank ? x.order - y.order : x.rank < y.rank ? -1 : 1));
  const from = Math.min((options.iteration - 1) * options.size, ranked.length);
  const to = Math.min(options.iteration * options.size, ranked.length);
  return {
    positions: new Set(ranked.slice(from, to).map((line) => line.position)),
    total: ranked.length,
    from,
    to,
  };
}
