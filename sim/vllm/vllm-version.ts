/**
 * The vLLM release a simulated replica imitates, and what each behaviour depends on. The
 * cut-offs follow vLLM's own history (each is cited where it is used).
 */

/** `GET /version` without `--vllm-version`: deliberately not a release, so no client mistakes it. */
export const NON_RELEASE_VERSION = "0.0.0+jurist.sim";

export type VllmRelease = readonly [major: number, minor: number, patch: number];

/** "0.11.0" → [0, 11, 0]; the options schema has already checked the form. */
export function parseRelease(version: string): VllmRelease {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return [major, minor, patch];
}

/** True when `version` is `at` or later. */
export function atLeast(version: string, at: string): boolean {
  const a = parseRelease(version);
  const b = parseRelease(at);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** The constrained-choice fields a release reads; the other one it ignores as unknown. */
export interface ChoiceFields {
  guidedChoice: boolean;
  structuredOutputs: boolean;
}

/**
 * `structured_outputs` arrived in vLLM 0.10.2 (beside the deprecated `guided_*` fields) and
 * `guided_choice` was removed in 0.12.0 (vllm/entrypoints/openai/protocol.py,
 * ChatCompletionRequest, at those releases).
 */
export function choiceFields(version: string): ChoiceFields {
  return {
    guidedChoice: !atLeast(version, "0.12.0"),
    structuredOutputs: atLeast(version, "0.10.2"),
  };
}

/**
 * How a release writes a logprob token that is only part of a UTF-8 character. Before
 * 0.12.0 each token is decoded alone (vllm/transformers_utils/detokenizer_utils.py,
 * `convert_ids_list_to_tokens`: `tokenizer.decode([token_id])`), which gives "�". From 0.12.0
 * (vLLM PR #28874, vllm/v1/engine/logprobs.py `_verify_tokens` / `_correct_decoded_token`)
 * a token ending in "�" is decoded again after the previous sampled token and becomes ""
 * when that still ends in "�".
 */
export type PartialTokenDecoding = "replacement" | "corrected-or-empty";

export function partialTokenDecoding(version: string): PartialTokenDecoding {
  return atLeast(version, "0.12.0") ? "corrected-or-empty" : "replacement";
}
