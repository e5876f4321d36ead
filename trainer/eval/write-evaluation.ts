import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationRun } from "./evaluate.ts";
import {
  buildEvaluationReport,
  type EvaluationMeta,
  type EvaluationReport,
} from "./evaluation-report.ts";
import { renderReportMarkdown } from "./report-markdown.ts";

const ITEMS_PER_WRITE = 200;

/** The files one evaluation writes. */
export interface EvaluationFiles {
  itemsPath: string;
  reportJsonPath: string;
  reportMarkdownPath: string;
  report: EvaluationReport;
}

// Written in chunks, never as one string: a benchmark of thousands of items with their
// reasoning text runs to tens of megabytes.
async function writeItems(path: string, run: EvaluationRun): Promise<void> {
  const handle = await open(path, "w");
  try {
    for (let start = 0; start < run.items.length; start += ITEMS_PER_WRITE) {
      const chunk = run.items.slice(start, start + ITEMS_PER_WRITE);
      await handle.write(chunk.map((item) => `${JSON.stringify(item)}\n`).join(""));
    }
  } finally {
    await handle.close();
  }
}

/**
 * Writes `items.jsonl` (one line per item: its orders' slot verdicts and reasoning, its
 * score, or why it was skipped or failed), `report.json` and `report.md` into `dir`, creating
 * it. Existing files of the same names are replaced.
 */
export async function writeEvaluation(
  dir: string,
  run: EvaluationRun,
  meta: EvaluationMeta,
): Promise<EvaluationFiles> {
  await mkdir(dir, { recursive: true });
  const report = buildEvaluationReport(run, meta);
  const files = {
    itemsPath: join(dir, "items.jsonl"),
    reportJsonPath: join(dir, "report.json"),
    reportMarkdownPath: join(dir, "report.md"),
  };
  await writeItems(files.itemsPath, run);
  await writeFile(files.reportJsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.reportMarkdownPath, renderReportMarkdown(report));
  return { ...files, report };
}
