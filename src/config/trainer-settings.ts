import { hostname } from "node:os";
import { z } from "zod";
import { csv, intIn, nonNegativeInt, port, positiveInt, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const trainer = area(
  "Training",
  "The self-improvement loop: `jurist train` once, or the `jurist trainer` worker (in-process or on its own).",
  {
    trainer: {
      concurrency: setting({
        env: "JURIST_TRAIN_CONCURRENCY",
        schema: z.union([z.literal("auto"), intIn(1, 4096)]),
        default: "auto" as "auto" | number,
        doc: "engine calls in flight during synthesis and judge filtering: `auto` = the fleet's slots for the trainer's class (the batch share of each healthy replica's limit, summed, re-read as replicas come and go); a number 1–4096 caps that sum",
      }),
      seed: setting({
        env: "JURIST_TRAIN_SEED",
        schema: nonNegativeInt,
        default: 0,
        doc: "seeds every sampled request and seeded choice of an iteration",
      }),
      holdoutFraction: setting({
        env: "JURIST_TRAIN_HOLDOUT_FRACTION",
        schema: probability,
        default: 0.05,
        doc: "share of prompts held out by content hash, never trained on",
      }),
      fineTuneCommand: setting({
        env: "JURIST_FINE_TUNE_COMMAND",
        schema: z.string().min(1),
        default:
          "node bin/jurist.js sim fine-tune --dataset {dataset} --output {output} --init {init} --base-model {base_model}",
        doc: "the fine-tune command, run without a shell (split on whitespace); placeholders `{dataset}` `{output}` `{init}` `{base_model}`, an empty `{init}` drops it and the flag before it; the default is the SIMULATED fine-tune",
      }),
      datasetImages: setting({
        env: "JURIST_DATASET_IMAGES",
        schema: z.enum(["paths", "embedded"]),
        default: "paths",
        doc: "how each iteration's dataset holds its images: `paths` writes `dataset.jsonl` with absolute image file paths (the fine-tune host must see the files); `embedded` writes `dataset.parquet` with each image's bytes and Hugging Face `datasets` features metadata, so `load_dataset(\"parquet\")` yields PIL images with no cast (deploy/fine-tune/README.md)",
      }),
      seedPrompts: setting({
        env: "JURIST_TRAIN_SEED_PROMPTS",
        schema: csv,
        default: [],
        doc: "seed prompt files (comma-separated JSONL of `{ id?, question, images }`) the worker adds to every iteration",
      }),
      minNewPrompts: setting({
        env: "JURIST_TRAIN_MIN_NEW_PROMPTS",
        schema: positiveInt,
        default: 1_000,
        doc: "collected prompts the trainer's consumer group has not taken that start an iteration",
      }),
      maxPrompts: setting({
        env: "JURIST_TRAIN_MAX_PROMPTS",
        schema: positiveInt,
        default: 100_000,
        doc: "collected prompts one iteration takes at most (the paper's ~100k per iteration; memory per prompt in docs/training.md)",
      }),
      pollMs: setting({
        env: "JURIST_TRAIN_POLL_MS",
        schema: positiveInt,
        default: 30_000,
        doc: "how often the worker checks the backlog, ms",
      }),
      consumer: setting({
        env: "JURIST_TRAIN_CONSUMER",
        schema: z.string().min(1).max(128),
        default: hostname(),
        shownDefault: "host name",
        doc: "the worker's consumer name in the prompt stream's `trainer` group; keep it stable across restarts",
      }),
      embedded: setting({
        env: "JURIST_TRAIN_EMBEDDED",
        schema: z.enum(["auto", "true", "false"]),
        default: "auto",
        doc: "`serve` runs the worker in-process: `auto` = when it runs on simulated replicas",
      }),
      metricsPort: setting({
        env: "JURIST_TRAIN_METRICS_PORT",
        schema: port,
        default: 9464,
        doc: "the `jurist trainer` worker's `/metrics` and `/healthz` port; `0` = none",
      }),
    },
  },
);
