import { z } from "zod";

/**
 * The subset of vLLM's `/v1/chat/completions` request the simulated engine reads. Unknown
 * fields are ignored, as vLLM ignores them; known fields are checked as strictly as vLLM
 * does, and a failure becomes a 400 with vLLM's error body.
 */
const contentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("image_url"),
    image_url: z.object({
      url: z.string().regex(/^(data:|https?:\/\/)/, "must be a data: or http(s) URL"),
    }),
  }),
]);

const message = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.union([z.string(), z.array(contentPart)]),
});

export const chatRequestSchema = z
  .object({
    /** Served model or LoRA adapter name; absent means the base model. */
    model: z.string().min(1).nullish(),
    messages: z.array(message).min(1),
    n: z.number().int().min(1).max(32).nullish(),
    temperature: z.number().min(0).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    top_k: z.number().int().min(-1).nullish(),
    seed: z.number().int().nullish(),
    max_tokens: z.number().int().min(1).nullish(),
    max_completion_tokens: z.number().int().min(1).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).nullish(),
    structured_outputs: z.object({ choice: z.array(z.string().min(1)).min(1).nullish() }).nullish(),
    guided_choice: z.array(z.string().min(1)).min(1).nullish(),
    /** vLLM's `priority: int = 0` (lower runs first under `--scheduling-policy priority`). */
    priority: z.number().int().optional(),
  })
  .refine((body) => !(body.top_logprobs && !body.logprobs), {
    message: "when using `top_logprobs`, `logprobs` must be set to true",
    path: ["top_logprobs"],
  });

export type ChatRequest = z.output<typeof chatRequestSchema>;

/** The constrained choice list, from `structured_outputs.choice` or `guided_choice`. */
export function choiceConstraint(request: ChatRequest): string[] | undefined {
  return request.structured_outputs?.choice ?? request.guided_choice ?? undefined;
}
