import { access, rm } from "node:fs/promises";
import { GENERATOR_PROMPT_VERSION } from "../../src/core/generator-prompts.ts";
import { PAIRWISE_TEMPLATE_VERSION } from "../../src/core/pairwise-template.ts";
import { balanceSlots } from "../core/judge-filter.ts";
import { CLOSED_SAMPLING, DEFAULT_MIN_VOTES } from "../core/majority-vote.ts";
import { createManifest, type ManifestJSON } from "../core/manifest.ts";
import { flipLabel, type TrainingExample } from "../core/training-example.ts";
import { writeDatasetParquet } from "../io/dataset-parquet.ts";
import { readRecords, toJsonl, writeFileAtomic } from "../io/record-journal.ts";
import { INTAKE_FILES, type IntakePrompt, type IntakeSkip } from "./intake-sink.ts";
import { type IterationContext, stageFile } from "./iteration-context.ts";
import { JUDGE_FILE, type JudgeRecord } from "./judge-filter.ts";
import {
  CLOSED_MAX_TOKENS,
  OPEN_SAMPLING,
  REWRITE_ERRORS,
  SYNTHESIZE_FILE,
  type SynthesisRecord,
} from "./synthesize.ts";

export const DATASET_FILES = {
  dataset: "dataset.jsonl",
  parquet: "dataset.parquet",
  manifest: "manifest.json",
} as const;

/**
 * How the dataset holds its images (`JURIST_DATASET_IMAGES`): `paths`, the JSONL with absolute
 * file paths; `embedded`, the parquet file with each image's bytes and HF features metadata
 * (trainer/io/dataset-parquet.ts).
 */
export type DatasetImages = "paths" | "embedded";

const fileFor = (images: DatasetImages) =>
  images === "embedded" ? DATASET_FILES.parquet : DATASET_FILES.dataset;

/**
 * The dataset file the dataset stage wrote. It removes the other form, so exactly one exists;
 * a rerun that resumes at the fine-tune uses what was written even if the setting changed since.
 * Falls back to the form `images` names (which the fine-tune then reports missing).
 */
export async function writtenDatasetPath(
  ctx: IterationContext,
  images: DatasetImages,
): Promise<string> {
  for (const form of [images, images === "embedded" ? "paths" : "embedded"] as const) {
    const path = stageFile(ctx, fileFor(form));
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return stageFile(ctx, fileFor(images));
}

/** Choices the method leaves open, recorded in every manifest. */
export interface DatasetMeta {
  holdoutFraction: number;
  benchmarkItems: number;
}

function byPairAndOrder(a: TrainingExample, b: TrainingExample): number {
  const x = `${a.lineage.pairId}/${a.lineage.order}`;
  const y = `${b.lineage.pairId}/${b.lineage.order}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

async function buildManifest(
  ctx: IterationContext,
  meta: DatasetMeta,
  judged: readonly JudgeRecord[],
  examples: readonly TrainingExample[],
  dropped: number,
): Promise<ManifestJSON> {
  const train = await readRecords<IntakePrompt>(stageFile(ctx, INTAKE_FILES.train));
  const heldOut = await readRecords<IntakePrompt>(stageFile(ctx, INTAKE_FILES.heldOut));
  const skips = await readRecords<IntakeSkip>(stageFile(ctx, INTAKE_FILES.skips));
  const synthesized = await readRecords<SynthesisRecord>(stageFile(ctx, SYNTHESIZE_FILE));
  const manifest = createManifest({
    iteration: ctx.iteration,
    seed: ctx.seed,
    templateVersion: PAIRWISE_TEMPLATE_VERSION,
    generatorPromptVersion: GENERATOR_PROMPT_VERSION,
    generator: ctx.generator,
    judgeCheckpoint: ctx.judge,
    initCheckpoint: ctx.init,
    policy: ctx.policy,
    closedSampling: {
      ...CLOSED_SAMPLING,
      maxTokens: CLOSED_MAX_TOKENS,
      minVotes: DEFAULT_MIN_VOTES,
    },
    openSampling: OPEN_SAMPLING,
    rewriteErrors: REWRITE_ERRORS,
    filter: {
      orders: ["AB", "BA"],
      policy: "all",
      mode: "reasoned",
      keep: ctx.policy.filter,
      balanced: ctx.policy.filter !== "ab-only",
    },
    heldOutPrompts: heldOut.length,
    ...meta,
  });
  const read = train.length + heldOut.length + skips.length;
  manifest.count("intake", undefined, read);
  for (const skip of skips) manifest.skip("intake", skip.reason);
  manifest.count("uncontaminated", undefined, train.length + heldOut.length);
  manifest.count("train_split", undefined, train.length);
  for (const record of synthesized) {
    manifest.classified(record.cls);
    manifest.count("prompts", record.cls.kind);
    if (record.outcome === "pair") manifest.count("pairs", record.cls.kind);
    else manifest.skip("synthesis", record.reason, record.cls.kind);
  }
  for (const record of judged) {
    manifest.count("judged", record.pair.questionKind);
    if (record.kept) manifest.count("kept", record.pair.questionKind);
    else manifest.skip("filter", record.reason ?? "unknown", record.pair.questionKind);
    const bare = record.bareTraces?.length ?? 0;
    if (bare > 0) manifest.skip("trace", "bare_marker", record.pair.questionKind, bare);
  }
  for (const example of examples) manifest.count("examples", example.lineage.questionKind);
  if (dropped > 0) manifest.skip("balance", "surplus_slot", undefined, dropped);
  return manifest.toJSON();
}

/**
 * Writes `dataset.jsonl` or, with `images: "embedded"`, `dataset.parquet` (TRL conversational vision examples with lineage, A/B balanced
 * except under `filter: "ab-only"`, labels reversed under `labels: "flipped"`, sorted by pair
 * and order so equal inputs give equal files) and `manifest.json`. Derived wholly from
 * earlier stage files, so a restart simply rewrites both.
 */
export async function runDataset(
  ctx: IterationContext,
  meta: DatasetMeta,
  images: DatasetImages = "paths",
) {
  const judged = await readRecords<JudgeRecord>(stageFile(ctx, JUDGE_FILE));
  const examples = judged.flatMap((record) => record.examples);
  const balanced =
    ctx.policy.filter === "ab-only"
      ? { kept: examples, dropped: [] }
      : balanceSlots(examples, `${ctx.seed}:${ctx.iteration}`);
  const labelled = ctx.policy.labels === "flipped" ? balanced.kept.map(flipLabel) : balanced.kept;
  const kept = [...labelled].sort(byPairAndOrder);
  const manifest = await buildManifest(ctx, meta, judged, kept, balanced.dropped.length);
  const datasetPath = stageFile(ctx, fileFor(images));
  const manifestPath = stageFile(ctx, DATASET_FILES.manifest);
  if (images === "embedded") await writeDatasetParquet(datasetPath, kept);
  else await writeFileAtomic(datasetPath, toJsonl(kept));
  // One form on disk: the fine-tune and the candidate's id read whichever this run wrote.
  await rm(stageFile(ctx, fileFor(images === "embedded" ? "paths" : "embedded")), { force: true });
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.logger.info(
    {
      stage: "dataset",
      examples: kept.length,
      images,
      retention: manifest.retention,
      skips: manifest.skips,
    },
    "dataset written",
  );
  return { datasetPath, manifestPath, examples: kept.length };
}
