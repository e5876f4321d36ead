import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type LoadResult, type RowOutcome, recordRow } from "./eval-item.ts";

/** Turns one parsed row (any JSON value) into an item or a rejection; `rowIndex` is 0-based. */
export type RowParser = (value: unknown, rowIndex: number) => Promise<RowOutcome>;

/**
 * Reads a JSONL file line by line (streamed, so a large file is never held as one string).
 * Blank lines are skipped and are not rows; a line that is not JSON is a malformed row with its
 * 1-based line number. Row indexes count rows, malformed ones included, so a fixed line does not
 * shift the keys of the rows after it.
 */
export async function loadJsonlRows(file: string, parse: RowParser): Promise<LoadResult> {
  const result: LoadResult = { items: [], rowsRead: 0, malformed: [] };
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (text.trim() === "") continue;
    recordRow(result, { line }, await parseLine(text, result.rowsRead, parse));
  }
  return result;
}

async function parseLine(text: string, rowIndex: number, parse: RowParser): Promise<RowOutcome> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `not valid JSON: ${(error as Error).message}` };
  }
  return parse(value, rowIndex);
}
