import type { LogprobEntry } from "./sim-tokens.ts";

/** One choice of a chat completion body, in vLLM's shape. */
export interface ChatChoice {
  index: number;
  message: { role: "assistant"; content: string };
  logprobs: { content: LogprobEntry[] } | null;
  finish_reason: "stop" | "length";
}
