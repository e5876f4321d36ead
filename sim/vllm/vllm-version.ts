import {
  parseVllmRelease,
  readsChoiceField,
  releaseAtLeast,
  type VllmRelease,
} from "../../src/core/vllm-release.ts";

/**
 * The vLLM release a simulated replica imitates, and what each behaviour depends on. The
 * cut-offs follow vLLM's own history (each is cited where it is used).
 */

/** `GET /version` without `--vllm-version`: deliberately not a release, so no client mistakes it. */
export const NON_RELEASE_VERSION = "0.0.0+jurist.sim";

/** A release the options schema has already checked (`X.Y.Z`). */
function release(version: string): VllmRelease {
  const parsed = parseVllmRelease(version);
  if (!parsed) throw new Error(`not a vLLM release: ${version}`);
  return parsed;
}

/** The constrained-choice fields a release reads; the other one it ignores as unknown. */
export interface ChoiceFields {
  guidedChoice: boolean;
  structuredOutputs: boolean;
}

/** Which release reads which field is src/core/vllm-release.ts's, shared with the gateway. */
export function choiceFields(version: string): ChoiceFields {
  return {
    guidedChoice: readsChoiceField(release(version), "guided_choice"),
    structuredOutputs: readsChoiceField(release(version), "structured_outputs"),
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
  const corrected = releaseAtLeast(release(version), { major: 0, minor: 12, patch: 0 });
  return corrected ? "corrected-or-empty" : "replacement";
}
