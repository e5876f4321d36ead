import type { ImageRef } from "../images/image-intake.ts";
import { TEXT_LIMIT } from "../judge/request-limits.ts";
import type { OpenRlhfBatch } from "./openrlhf-batch.ts";

/** One `/get_reward` item ready to judge against its reference, or why it cannot be. */
export type OpenRlhfItem =
  | { ok: true; question: string; response: string; reference: string; images: ImageRef[] }
  | { ok: false; reason: string };

const blank = (text: string) => !/\S/.test(text);

/**
 * Splits each OpenRLHF item into question (the prompt, verbatim: chat-template markup and all),
 * response (the query after its prompt) and reference (its label). Anything that does not fit
 * fails that item with a reason, never the batch.
 */
export function openRlhfItems(body: OpenRlhfBatch): OpenRlhfItem[] {
  return body.query.map((query, i) => {
    const prompt = body.prompts[i]!;
    const label = body.labels?.[i];
    if (!query.startsWith(prompt)) return failed("the query does not start with its prompt");
    const response = query.slice(prompt.length);
    if (blank(prompt)) return failed("the prompt is empty");
    if (blank(response)) return failed("the response (the query after its prompt) is empty");
    if (label === undefined) return failed("no reference: the request has no labels");
    if (label === null || blank(label)) return failed(`no reference: labels[${i}] is empty`);
    const tooLong = [
      ["prompt", prompt],
      ["response", response],
      [`labels[${i}]`, label],
    ].find(([, text]) => text!.length > TEXT_LIMIT);
    if (tooLong) return failed(`the ${tooLong[0]} is longer than ${TEXT_LIMIT} characters`);
    return {
      ok: true,
      question: prompt,
      response,
      reference: label,
      images: body.images?.[i] ?? [],
    };
  });
}

function failed(reason: string): OpenRlhfItem {
  return { ok: false, reason };
}
