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
): string | undefined {
  const head = `This model's maximum context length is ${maxModelLen} tokens. However, you requested`;
  const n = prompt.textOnly;
  if (maxTokens === undefined && n >= maxModelLen) {
    return `${head} ${n} tokens in the messages, Please reduce the length of the messages.`;
  }
  if (maxTokens !== undefined && n + maxTokens > maxModelLen) {
    return (
      `${head} ${n + maxTokens} tokens (${n} in the messages, ${maxTokens} in the completion). ` +
      "Please reduce the length of the messages or completion."
    );
  }
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
