import { parseVllmRelease, readsChoiceField } from "../../../src/core/vllm-release.ts";
import { read } from "./app-contract.ts";

/**
 * What a replica command must satisfy for vLLM to start it and for Jurist to use it, as read in
 * vLLM's source: the model vLLM serves with LoRA, the LoRA ranks it accepts, the release from
 * which `structured_outputs` exists. Shared by the compose and Kustomize contract tests.
 */

/**
 * The default judge: `Qwen2_5_VLForConditionalGeneration` is marked LoRA ✅ in vLLM's
 * docs/models/supported_models.md and implements `SupportsLoRA` in
 * vllm/model_executor/models/qwen2_5_vl.py (LoRA on its language model only, `get_mm_mapping`),
 * as read in vLLM's source around 0.11–0.12 (the image pinned is v0.12.0).
 */
export const DEFAULT_JUDGE = "Qwen/Qwen2.5-VL-7B-Instruct";

/** `MaxLoRARanks` in vllm/config/lora.py (vLLM ~0.11): `--max-lora-rank` must be one of these. */
export const VLLM_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512];

/** True for a `vX.Y.Z` tag of a release that reads `structured_outputs` (src/core/vllm-release.ts). */
export function hasStructuredOutputs(tag: string): boolean {
  const release = /^v\d+\.\d+\.\d+$/.test(tag) ? parseVllmRelease(tag) : null;
  return release !== null && readsChoiceField(release, "structured_outputs");
}

/** The LoRA rank the TRL template trains when not told (`--lora-rank` in train_judge.py). */
export function trlDefaultLoraRank(): number {
  const source = read("deploy/fine-tune/trl/train_judge.py");
  const match = /"--lora-rank",\s*type=int,\s*default=(\d+)/.exec(source);
  if (!match) throw new Error("train_judge.py declares no --lora-rank default");
  return Number(match[1]);
}

/** `--limit-mm-per-prompt`'s value as vLLM parses it (JSON: modality → count). */
export function mmLimits(value: string | undefined): Record<string, number> | null {
  try {
    const parsed = JSON.parse(value ?? "");
    const counts = Object.values(parsed ?? {});
    return counts.length > 0 && counts.every((n) => Number.isInteger(n)) ? parsed : null;
  } catch {
    return null;
  }
}
