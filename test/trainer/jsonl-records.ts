import { forEachJsonl } from "../../trainer/pipeline/jsonl-files.ts";

/** Every record of a JSONL stage file, in file order (empty when the file is missing). */
export async function readJsonl<T>(path: string): Promise<T[]> {
  const records: T[] = [];
  await forEachJsonl<T>(path, (record) => {
    records.push(record);
  });
  return records;
}
