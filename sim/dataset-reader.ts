import { open, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { PARQUET_MAGIC_LENGTH, startsWithParquetMagic } from "../src/core/parquet-magic.ts";
import { parseVerdict } from "../src/core/verdict-parser.ts";
import { readJudgePrompt } from "./prompt-reader.ts";
import { exampleFeatures, type LearnerExample } from "./world/learner.ts";
import type { SkillTable } from "./world/skills.ts";
import { promptScene } from "./world/world-view.ts";

/** One training example as the simulated fine-tune reads it (TRL conversational format). */
interface ExampleLike {
  messages?: { role?: string; content?: unknown }[];
  images?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .flatMap((part: { type?: string; text?: unknown }) =>
      part?.type === "text" && typeof part.text === "string" ? [part.text] : [],
    )
    .join("\n");
}

/** An image as the dataset holds it: a path (JSONL) or HF's `{ bytes, path }` struct (parquet). */
type ImageRef = string | { bytes?: unknown };

async function imageBytes(image: ImageRef, base: string): Promise<Buffer | null> {
  if (typeof image === "string") return readFile(resolve(base, image)).catch(() => null);
  return image?.bytes instanceof Uint8Array ? Buffer.from(image.bytes) : null;
}

/** Parquet files start with the magic `PAR1`; anything else is read as JSONL. */
async function isParquet(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const head = Buffer.alloc(PARQUET_MAGIC_LENGTH);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return startsWithParquetMagic(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/**
 * Parquet rows decoded at a time. A dataset of embedded images can be gigabytes: a batch bounds
 * the decoded rows held (with their image bytes) to the writer's row group size (100).
 */
const BATCH_ROWS = 100;

/**
 * The dataset's rows as objects: JSONL lines parsed (null for one that is not JSON), or the
 * parquet file's rows (`JURIST_DATASET_IMAGES=embedded`) with binary columns kept as bytes,
 * read in batches and with every codec hyparquet-compressors decodes (the trainer writes
 * SNAPPY; a user who re-saved the file with pandas or pyarrow may have chosen GZIP or ZSTD,
 * which hyparquet alone refuses), as the benchmark loaders read parquet.
 */
async function* datasetRows(path: string): AsyncGenerator<ExampleLike | null> {
  if (await isParquet(path)) {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    const rows = Number(metadata.num_rows);
    for (let rowStart = 0; rowStart < rows; rowStart += BATCH_ROWS) {
      const rowEnd = Math.min(rows, rowStart + BATCH_ROWS);
      const batch = await parquetReadObjects({
        file,
        metadata,
        rowStart,
        rowEnd,
        utf8: false,
        compressors,
      });
      yield* batch as ExampleLike[];
    }
    return;
  }
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim());
  for (const line of lines) {
    try {
      yield JSON.parse(line) as ExampleLike;
    } catch {
      yield null;
    }
  }
}

/** What reading a dataset gave: the learner's examples and how many lines it could not use. */
export interface ReadDataset {
  examples: LearnerExample[];
  unreadable: number;
}

/**
 * Reads a TRL dataset file the way the simulated fine-tune sees it: each example's judge
 * prompt, its verdict and its image (paths relative to the file, or the bytes a parquet
 * dataset embeds: both forms of one dataset give the same examples), seen with the base model's
 * eyesight (`capacity`). Rows that are not JSON, or lack a judge prompt, a verdict or a
 * readable image, are counted and skipped, as a trainer would fail to tokenise them.
 */
export async function readDataset(
  path: string,
  worldKey: string,
  capacity: Partial<SkillTable> | undefined,
): Promise<ReadDataset> {
  const examples: LearnerExample[] = [];
  let unreadable = 0;
  for await (const example of datasetRows(path)) {
    if (!example) {
      unreadable++;
      continue;
    }
    const messages = example.messages ?? [];
    const user = messages.findLast((m) => m.role === "user");
    const assistant = messages.findLast((m) => m.role === "assistant");
    const prompt = user ? readJudgePrompt(textOf(user.content)) : null;
    const verdict = assistant ? parseVerdict(textOf(assistant.content), "reasoned") : null;
    const images: ImageRef[] = Array.isArray(example.images) ? example.images : [];
    const bytes = await Promise.all(
      images.slice(0, 1).map((image) => imageBytes(image, dirname(path))),
    );
    if (!prompt || !verdict?.ok || bytes.some((b) => b === null)) {
      unreadable++;
      continue;
    }
    const scene = promptScene(bytes as Buffer[], prompt.question, worldKey);
    examples.push(exampleFeatures({ ...prompt, scene, worldKey, verdict: verdict.slot }, capacity));
  }
  return { examples, unreadable };
}
