import { parseVllmRelease, releaseAtLeast } from "../../src/core/vllm-release.ts";
import type { PromptTokens } from "./prompt-tokens.ts";

/**
 * vLLM's refusals of a prompt longer than `--max-model-len`, both answered 400
 * BadRequestError:
 *
 * 1. The serving layer checks the tokenized chat prompt, each image still one placeholder
 *    (vllm/entrypoints/openai/serving_engine.py, `_validate_input`).
 * 2. The engine's input processor checks the prompt after the multimodal processor expanded
 *    every image to its tokens (vllm/v1/engine/processor.py, `_validate_model_input`), with
 *    its multimodal suggestion; this is the one an over-large photo meets.
 */
export function contextLengthProblem(
  prompt: PromptTokens,
  maxTokens: number | undefined,
  maxModelLen: number,
  version: string | undefined,
): string | undefined {
  const n = prompt.textOnly;
  const problem = servingLayerWording(version)(n, maxTokens, maxModelLen);
  if (problem) return problem;
  const length = prompt.tokens.length;
  if (length > maxModelLen) {
    return (
      `The decoder prompt (length ${length}) is longer than the maximum model length of ${maxModelLen}. ` +
      "Make sure that `max_model_len` is no smaller than the number of text tokens plus multimodal tokens. " +
      "For image inputs, the number of image tokens depends on the number of images, and possibly their aspect ratios as well."
    );
  }
  return undefined;
}

type ServingLayerCheck = (
  n: number,
  maxTokens: number | undefined,
  maxModelLen: number,
) => string | undefined;

/**
 * The serving layer's wording changed between releases. From 0.10.2 (serving_engine.py
 * `_validate_input` at that tag, lines 674–688 as quoted in a downstream analysis, and the
 * same text in 0.11 tracebacks) a prompt that fills the context is "your request has N input
 * tokens" and a `max_tokens` that does not fit is "'max_tokens' or 'max_completion_tokens' is
 * too large"; earlier releases said "you requested N tokens (…)". Which release between 0.9
 * and 0.10.2 first had the newer text is not established: the simulator switches at 0.10.2,
 * the first release it is seen in. Without `--vllm-version` the current wording is used.
 */
function servingLayerWording(version: string | undefined): ServingLayerCheck {
  const head = (maxModelLen: number) =>
    `This model's maximum context length is ${maxModelLen} tokens.`;
  const current: ServingLayerCheck = (n, maxTokens, maxModelLen) => {
    if (n >= maxModelLen) {
      return `${head(maxModelLen)} However, your request has ${n} input tokens. Please reduce the length of the input messages.`;
    }
    if (maxTokens !== undefined && n + maxTokens > maxModelLen) {
      return `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${n} input tokens (${maxTokens} > ${maxModelLen} - ${n}).`;
    }
    return undefined;
  };
  const older: ServingLayerCheck = (n, maxTokens, maxModelLen) => {
    if (maxTokens === undefined && n >= maxModelLen) {
      return `${head(maxModelLen)} However, you requested ${n} tokens in the messages, Please reduce the length of the messages.`;
    }
    if (maxTokens !== undefined && n + maxTokens > maxModelLen) {
      return `${head(maxModelLen)} However, you requested ${n + maxTokens} tokens (${n} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
    }
    return undefined;
  };
  if (version === undefined) return current;
  const release = parseVllmRelease(version);
  return release && releaseAtLeast(release, { major: 0, minor: 10, patch: 2 }) ? current : older;
}
