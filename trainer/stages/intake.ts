import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { type ContaminationIndex, checkContamination } from "../core/contamination-guard.ts";
import { type HoldoutOptions, holdoutKey, isHeldOut } from "../core/holdout.ts";
import { hashHex } from "../core/seeded-hash.ts";
import { loadImageFile } from "../pipeline/image-files.ts";
import { type IterationContext, stageFile } from "../pipeline/iteration-context.ts";
import { toJsonl, writeFileAtomic } from "../pipeline/record-journal.ts";

/** A prompt that passed intake: absolute image paths and their SHA-256s. */
export interface IntakePrompt {
  id: string;
  question: string;
  images: string[];
  imageHashes: string[];
}

/** Why intake dropped a seed line. */
export type IntakeSkipReason = "invalid" | "duplicate" | "contaminated";

export interface IntakeSkip {
  /** `<file>:<line>` of the seed line. */
  id: string;
  reason: IntakeSkipReason;
  detail: string;
}

export interface IntakeOptions {
  seedFiles: readonly string[];
  contamination: ContaminationIndex;
  holdout: HoldoutOptions;
}

export interface IntakeResult {
  train: IntakePrompt[];
  heldOut: IntakePrompt[];
  skips: IntakeSkip[];
  /** Seed lines read. */
  read: number;
}

export const INTAKE_FILES = {
  train: "intake.jsonl",
  heldOut: "holdout.jsonl",
  skips: "intake-skips.jsonl",
} as const;

type Parsed = { ok: true; prompt: IntakePrompt } | { ok: false; detail: string };

async function parseSeedLine(line: string, base: string): Promise<Parsed> {
  let value: { id?: unknown; question?: unknown; images?: unknown };
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, detail: "not JSON" };
  }
  const { id, question, images } = value;
  if (typeof question !== "string" || question.trim() === "") {
    return { ok: false, detail: "no question" };
  }
  if (!Array.isArray(images) || !images.every((p) => typeof p === "string")) {
    return { ok: false, detail: "images must be a list of paths" };
  }
  if (images.some((p: string) => /^[a-z]+:\/\//i.test(p))) {
    return { ok: false, detail: "image URLs are not read yet; use file paths" };
  }
  const paths = images.map((p: string) => (isAbsolute(p) ? p : resolve(base, p)));
  try {
    const imageHashes = await Promise.all(paths.map(async (p) => (await loadImageFile(p)).sha256));
    const fallback = `seed_${hashHex("seed", question, imageHashes.join(",")).slice(0, 16)}`;
    return {
      ok: true,
      prompt: {
        id: typeof id === "string" && id ? id : fallback,
        question,
        images: paths,
        imageHashes,
      },
    };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

/** Reads, dedupes (by id and by question + image hashes), guards and splits the seed prompts. */
export async function collectSeedPrompts(options: IntakeOptions): Promise<IntakeResult> {
  const result: IntakeResult = { train: [], heldOut: [], skips: [], read: 0 };
  const ids = new Set<string>();
  const contents = new Set<string>();
  for (const file of options.seedFiles) {
    const lines = (await readFile(file, "utf8")).split("\n");
    for (const [index, line] of lines.entries()) {
      if (line.trim() === "") continue;
      result.read++;
      const where = `${file}:${index + 1}`;
      const parsed = await parseSeedLine(line, dirname(file));
      if (!parsed.ok) {
        result.skips.push({ id: where, reason: "invalid", detail: parsed.detail });
        continue;
      }
      const { prompt } = parsed;
      const key = holdoutKey(prompt.question, prompt.imageHashes);
      if (ids.has(prompt.id) || contents.has(key)) {
        result.skips.push({ id: where, reason: "duplicate", detail: prompt.id });
        continue;
      }
      ids.add(prompt.id);
      contents.add(key);
      const check = checkContamination(options.contamination, prompt);
      if (check.contaminated) {
        const detail = `${check.reason} matches ${check.match}`;
        result.skips.push({ id: where, reason: "contaminated", detail });
        continue;
      }
      (isHeldOut(key, options.holdout) ? result.heldOut : result.train).push(prompt);
    }
  }
  return result;
}

/**
 * Intake of seed prompts. Cheap and deterministic, so it is redone whole on a restart and
 * its three files are each written atomically; the held-out prompts go to their own file
 * and never reach synthesis.
 */
export async function runIntake(ctx: IterationContext, options: IntakeOptions) {
  const result = await collectSeedPrompts(options);
  await writeFileAtomic(stageFile(ctx, INTAKE_FILES.train), toJsonl(result.train));
  await writeFileAtomic(stageFile(ctx, INTAKE_FILES.heldOut), toJsonl(result.heldOut));
  await writeFileAtomic(stageFile(ctx, INTAKE_FILES.skips), toJsonl(result.skips));
  ctx.logger.info(
    {
      stage: "intake",
      read: result.read,
      train: result.train.length,
      heldOut: result.heldOut.length,
      skipped: result.skips.length,
      benchmarkItems: options.contamination.items,
    },
    "intake done",
  );
  return result;
}
