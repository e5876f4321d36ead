import { createHash } from "node:crypto";
import { dataUriText } from "../../src/core/data-uri-payload.ts";
import { sniffedImageHeader } from "../../src/core/image-header.ts";
import type { ChatMessage } from "../../src/core/types.ts";
import { qwen2VlImageTokens } from "./qwen2-vl-image-tokens.ts";

/**
 * A chat prompt as a Qwen2.5-VL replica sees it: the chat template's markers around each
 * message, the simulated tokenizer's tokens for text, and each image as
 * `<|vision_start|>`, its pad tokens (counted by pixels) and `<|vision_end|>`. Image tokens
 * carry the image's digest, as vLLM's prefix-cache block hashes carry the image's hash.
 */
export interface PromptTokens {
  tokens: string[];
  /**
   * The length before the multimodal processor expands each image to its tokens: one
   * `<|image_pad|>` per image. vLLM's serving layer checks this length; the engine's input
   * processor checks the expanded one.
   */
  textOnly: number;
}

/** Images whose header cannot be read count as the lenient engine's fixed budget. */
const UNREADABLE_IMAGE_TOKENS = 576;

function imageTokens(url: string): { count: number; key: string } {
  const match = /^data:[^;,]*;base64,(.*)$/s.exec(url);
  if (!match) return { count: UNREADABLE_IMAGE_TOKENS, key: url };
  const bytes = Buffer.from(match[1]!, "base64");
  const key = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const size = sniffedImageHeader(bytes);
  return { count: size ? qwen2VlImageTokens(size) : UNREADABLE_IMAGE_TOKENS, key };
}

/** `tokenize` is the engine's text tokenizer. Throws (smart_resize's error) for an image whose aspect ratio is over 200. */
export function promptTokens(
  messages: readonly ChatMessage[],
  tokenize: (text: string) => string[],
): PromptTokens {
  const tokens: string[] = [];
  let expanded = 0;
  for (const message of messages) {
    tokens.push("<|im_start|>", message.role, "\n");
    const parts =
      typeof message.content === "string"
        ? [{ type: "text" as const, text: message.content }]
        : message.content;
    for (const part of parts) {
      if (part.type === "text") {
        tokens.push(...tokenize(part.text));
        continue;
      }
      const image = imageTokens(dataUriText(part.image_url.url));
      tokens.push("<|vision_start|>");
      for (let i = 0; i < image.count; i++) tokens.push(`<|image_pad|>${image.key}`);
      tokens.push("<|vision_end|>");
      expanded += image.count - 1;
    }
    tokens.push("<|im_end|>", "\n");
  }
  tokens.push("<|im_start|>", "assistant", "\n");
  return { tokens, textOnly: tokens.length - expanded };
}
