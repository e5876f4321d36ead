import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointRecord, CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";

export interface RegisterInput {
  registry: CheckpointRegistry;
  iteration: number;
  datasetPath: string;
  manifestPath: string;
  /** The fine-tune's output directory, the adapter's uri. */
  checkpointDir: string;
  baseModel: string;
  /** The checkpoint the fine-tune started from; null for the base model. */
  init: string | null;
  /** The checkpoint whose verdicts filtered the data. */
  judge: string;
}

/**
 * `jurist-judge-it<n>-<first 8 hex of the dataset's SHA-256>`: stable for equal data. Streamed:
 * a dataset with embedded images easily passes 2 GiB, past which `readFile` throws
 * ERR_FS_FILE_TOO_LARGE — after the fine-tune, on every retry — and below which it would hold
 * the whole file in memory just to hash it.
 */
export async function candidateId(iteration: number, datasetPath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(datasetPath)) hash.update(chunk as Buffer);
  const digest = hash.digest("hex");
  return `jurist-judge-it${iteration}-${digest.slice(0, 8)}`;
}

const present = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * What the fine-tune wrote: the kind `jurist-fine-tune.json` states, else a LoRA adapter (PEFT's `adapter_config.json`, or the simulated
 * fine-tune's `adapter.json`) or a full model (`config.json`). Throws when it is neither, so
 * an empty output directory never becomes a candidate.
 */
export async function checkpointKind(dir: string): Promise<CheckpointRecord["kind"]> {
  // The TRL template states what it wrote; trust that over guessing from file names.
  const stated = await readFile(join(dir, "jurist-fine-tune.json"), "utf8").then(
    (text) => (JSON.parse(text) as { kind?: unknown }).kind,
    () => undefined,
  );
  if (stated === "lora" || stated === "full") return stated;
  if (
    (await present(join(dir, "adapter_config.json"))) ||
    (await present(join(dir, "adapter.json")))
  )
    return "lora";
  if (await present(join(dir, "config.json"))) return "full";
  throw new Error(`the fine-tune output ${dir} holds neither a LoRA adapter nor a model`);
}

/**
 * Registers the fine-tune's output as a `candidate` checkpoint (LoRA or full) whose report reference is
 * the dataset manifest (the gates will replace it with their report). Idempotent: an id
 * already registered is left as it is.
 */
export async function registerCandidate(input: RegisterInput): Promise<CheckpointRecord> {
  const id = await candidateId(input.iteration, input.datasetPath);
  const existing = await input.registry.get(id);
  if (existing) return existing;
  const record: CheckpointRecord = {
    id,
    kind: await checkpointKind(input.checkpointDir),
    baseModel: input.baseModel,
    uri: input.checkpointDir,
    parent: input.init,
    init: input.init,
    judge: input.judge,
    created: Date.now(),
    status: "candidate",
    gateReport: input.manifestPath,
  };
  await input.registry.register(record);
  return record;
}
