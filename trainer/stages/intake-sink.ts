import { type ContaminationIndex, checkContamination } from "../core/contamination-guard.ts";
import { type HoldoutOptions, holdoutKey, isHeldOut } from "../core/holdout.ts";
import { forEachJsonl, type JsonlAppender, openAppender } from "../io/jsonl-files.ts";

/** A prompt that passed intake: absolute image paths and their SHA-256s. */
export interface IntakePrompt {
  id: string;
  question: string;
  images: string[];
  imageHashes: string[];
  /** Where it came from: `seed` (a file) or `stream` (collected production traffic). */
  source: "seed" | "stream";
}

/** Why intake dropped a prompt. */
export type IntakeSkipReason =
  | "invalid"
  | "duplicate"
  | "contaminated"
  | "missing_image"
  | "trimmed"
  | "undecodable";

export interface IntakeSkip {
  /** `<file>:<line>` of a seed line, `stream:<entry id>` of a stream entry. */
  id: string;
  reason: IntakeSkipReason;
  detail: string;
}

export const INTAKE_FILES = {
  train: "intake.jsonl",
  heldOut: "holdout.jsonl",
  skips: "intake-skips.jsonl",
} as const;

/** Counts of one intake run, resumed runs included. */
export interface IntakeCounts {
  train: number;
  heldOut: number;
  skipped: Partial<Record<IntakeSkipReason, number>>;
}

export interface IntakeSinkOptions {
  contamination: ContaminationIndex;
  holdout: HoldoutOptions;
}

/**
 * Where intake's decisions land: three JSONL files (train, held out, skips) appended in
 * batches. Opening it reads what an interrupted run already wrote, so a resumed run
 * recognises every prompt and skip it decided before (by prompt id, or by source position
 * for skips) and decides nothing twice; `flush` makes the batch durable, and only then may
 * the caller acknowledge its stream entries.
 */
export async function openIntakeSink(
  paths: Record<keyof typeof INTAKE_FILES, string>,
  options: IntakeSinkOptions,
) {
  const decided = new Set<string>();
  const contents = new Set<string>();
  const counts: IntakeCounts = { train: 0, heldOut: 0, skipped: {} };
  const countSkip = (reason: IntakeSkipReason) => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  };
  for (const split of ["train", "heldOut"] as const) {
    await forEachJsonl<IntakePrompt>(paths[split], (prompt) => {
      decided.add(prompt.id);
      contents.add(holdoutKey(prompt.question, prompt.imageHashes));
      counts[split]++;
    });
  }
  await forEachJsonl<IntakeSkip>(paths.skips, (skip) => {
    decided.add(skip.id);
    countSkip(skip.reason);
  });
  const out = {
    train: await openAppender<IntakePrompt>(paths.train),
    heldOut: await openAppender<IntakePrompt>(paths.heldOut),
    skips: await openAppender<IntakeSkip>(paths.skips),
  } satisfies Record<string, JsonlAppender<unknown>>;

  return {
    counts,
    /** Whether a prompt id or a skip position was already decided (a redelivery or a rerun). */
    decided: (id: string) => decided.has(id),
    skip(skip: IntakeSkip): void {
      if (decided.has(skip.id)) return;
      decided.add(skip.id);
      countSkip(skip.reason);
      out.skips.add(skip);
    },
    /** Dedupes by id and content, guards against contamination, splits off the held-out set. */
    admit(prompt: IntakePrompt, where: string): void {
      if (decided.has(prompt.id)) {
        this.skip({ id: where, reason: "duplicate", detail: `id ${prompt.id}` });
        return;
      }
      const key = holdoutKey(prompt.question, prompt.imageHashes);
      if (contents.has(key)) {
        this.skip({ id: where, reason: "duplicate", detail: `content of ${prompt.id}` });
        return;
      }
      const check = checkContamination(options.contamination, prompt);
      if (check.contaminated) {
        const detail = `${prompt.id}: ${check.reason} matches ${check.match}`;
        this.skip({ id: where, reason: "contaminated", detail });
        return;
      }
      decided.add(prompt.id);
      contents.add(key);
      const split = isHeldOut(key, options.holdout) ? "heldOut" : "train";
      counts[split]++;
      out[split].add(prompt);
    },
    async flush(): Promise<void> {
      await Promise.all([out.train.flush(), out.heldOut.flush(), out.skips.flush()]);
    },
    async close(): Promise<void> {
      await Promise.all([out.train.close(), out.heldOut.close(), out.skips.close()]);
    },
  };
}

export type IntakeSink = Awaited<ReturnType<typeof openIntakeSink>>;
