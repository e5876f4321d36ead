import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { seedImage } from "../../../sim/seed-prompts.ts";
import type { SimOptions } from "../../../sim/sim-options.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { createFleet } from "../../../src/runtime/fleet-runtime.ts";
import type { EvalItem } from "../../../trainer/eval/eval-item.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import { describedPair, pairTruth, sceneFor } from "../../helpers/sim-world.ts";

/** A fresh temporary directory. */
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `jurist-${prefix}-`));

/** Categories in mixed case: the loader must lower-case them. */
const CATEGORIES = ["General", "Hallucination", "Reasoning"];

export interface BenchOptions {
  /** Pairs the sim can judge (default 12). */
  n?: number;
  /** Adds one row whose image is a URL (must be skipped, not dropped). */
  urlItem?: boolean;
  /** Adds one row that is not JSON (must be reported malformed with its line number). */
  malformed?: boolean;
}

/**
 * A Jurist-JSONL benchmark of sim-judgeable pairs: each row has a real PNG beside the file,
 * chosen is a true description of that image's scene and rejected the same description with
 * one false claim, so the simulated judge (which reads the scene from the image) knows the truth.
 */
export function writeJuristBench(dir: string, options: BenchOptions = {}): string {
  mkdirSync(join(dir, "images"), { recursive: true });
  const lines = Array.from({ length: options.n ?? 12 }, (_, i) => {
    const question = `Describe what is happening in photo number ${i}.`;
    const image = seedImage(`item-${i}`);
    const scene = sceneFor([image], question);
    const { better: chosen, worse: rejected } = describedPair(scene, `item-${i}`);
    if (pairTruth(question, scene, chosen, rejected) !== 1) {
      throw new Error(`pair ${i}: chosen is not better`);
    }
    writeFileSync(join(dir, "images", `item-${i}.png`), image);
    const category = CATEGORIES[i % CATEGORIES.length];
    return JSON.stringify({
      id: `item-${i}`,
      question,
      images: [`images/item-${i}.png`],
      chosen,
      rejected,
      category,
    });
  });
  if (options.malformed) lines.splice(2, 0, "{ this is not json");
  if (options.urlItem) {
    lines.push(
      JSON.stringify({
        id: "remote",
        question: "Describe what is happening in the remote photo.",
        images: ["https://example.com/photo.png"],
        chosen: "A sound answer.",
        rejected: "A flawed answer.",
        category: "General",
      }),
    );
  }
  const file = join(dir, "bench.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/**
 * The same items with every odd one stored rejected-first (as VLRB stores five of its
 * rows), so a mapping that ignores the stored order scores those items wrong.
 */
export function alternateStoredOrder(items: readonly EvalItem[]): EvalItem[] {
  return items.map((item, i) => ({ ...item, firstIsChosen: i % 2 === 0 }));
}

/**
 * A fleet over real simulated replica servers sharing one seed (so the verdict does not
 * depend on routing), closed when the test ends. Returns the fleet, the judge settings and
 * the image budget (the configured defaults).
 */
export async function openSimFleet(t: Teardown, sim: Partial<SimOptions>, replicas = 2) {
  const sims = await startSims(t, replicas, { seed: 7, ...sim });
  const config = loadConfig({
    JURIST_BACKENDS: sims.map((s) => s.url).join(","),
    JURIST_LOG_LEVEL: "silent",
    JURIST_DATA_DIR: tempDir("eval-data"),
  });
  const opened = await createFleet(config, pino({ level: "silent" }), createMetrics(), {});
  t.teardown(async () => {
    await opened.close();
  });
  const checkpoint = opened.fleet.champion();
  if (!checkpoint) throw new Error("the simulated replicas serve no base model");
  return { fleet: opened.fleet, checkpoint, settings: config.judge, imageBudget: config.images };
}
