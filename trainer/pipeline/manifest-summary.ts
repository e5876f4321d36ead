import { readFile } from "node:fs/promises";
import type { IterationSummary } from "../../src/metrics/trainer-metrics.ts";
import type { ManifestJSON } from "../core/manifest.ts";

/** The dashboard's view of a finished iteration's manifest: retention and skips. */
export async function summariseManifest(
  iteration: number,
  manifestPath: string,
): Promise<IterationSummary> {
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as ManifestJSON;
  const retention: Record<string, number> = {};
  for (const [type, rates] of Object.entries(manifest.retention)) {
    if (rates.keptPerJudged !== null)
      retention[type === "total" ? "all" : type] = rates.keptPerJudged;
  }
  const skips = Object.entries(manifest.skips).flatMap(([stage, reasons]) =>
    Object.entries(reasons).map(([reason, counts]) => ({ stage, reason, count: counts.total })),
  );
  return { iteration, examples: manifest.stages.examples.total, retention, skips };
}
