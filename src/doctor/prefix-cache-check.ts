import { type DoctorCheck, ok, warn } from "./doctor-check.ts";

/**
 * `usage.prompt_tokens_details.cached_tokens` feeds the gateway's prefix-cache metrics; vLLM
 * reports it only with `--enable-prompt-tokens-details` and a non-zero count (serving_chat.py),
 * so it is read from the second of two identical requests.
 */
export const promptTokenDetailsCheck: DoctorCheck = {
  name: "prefix-cache report",
  needs: ["logprobs"],
  async run({ facts }) {
    if (facts.promptTokenDetails) return ok("usage.prompt_tokens_details reported");
    return warn(
      "no usage.prompt_tokens_details on a repeated prompt: cached vs computed prompt tokens stay unknown",
      "start vLLM with --enable-prompt-tokens-details",
    );
  },
};
