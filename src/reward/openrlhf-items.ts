import type { PolicyTemplate } from "../core/policy-templates.ts";
import type { ImageRef } from "../images/image-intake.ts";
import { TEXT_LIMIT } from "../judge/request-limits.ts";
import type { OpenRlhfBatch } from "./openrlhf-batch.ts";
import { cleanResponse, questionText, recoverResponse } from "./policy-text.ts";

/**
 * One `/get_reward` item: ready to judge against its reference; empty (the policy produced
 * nothing but markup: scored the minimum, not judged); or why it cannot be judged.
 */
export type OpenRlhfItem =
  | { ok: true; question: string; response: string; reference: string; images: ImageRef[] }
  | { ok: "empty" }
  | { ok: false; reason: string };

/** Which policy template an item's query follows (null: none, texts verbatim). */
export type TemplateOf = (query: string) => PolicyTemplate | null;

const blank = (text: string) => !/\S/.test(text);

/**
 * Splits each OpenRLHF item into question (the prompt's user text, markup stripped), response
 * (the query after its prompt, trailing EOS stripped) and reference (its label). Anything that
 * does not fit fails that item with a reason, never the batch.
 */
export function openRlhfItems(body: OpenRlhfBatch, templateOf: TemplateOf): OpenRlhfItem[] {
  return body.query.map((query, i): OpenRlhfItem => {
    const prompt = body.prompts[i]!;
    const label = body.labels?.[i];
    const template = templateOf(query);
    const recovered = recoverResponse(query, prompt, template);
    if (recovered === null) return failed("the query does not start with its prompt");
    const question = questionText(prompt, template);
    const response = cleanResponse(recovered, template);
    if (blank(question)) return failed("the prompt is empty");
    if (blank(response)) return { ok: "empty" };
    if (label === undefined) return failed("no reference: the request has no labels");
    if (label === null || blank(label)) return failed(`no reference: labels[${i}] is empty`);
    const tooLong = [
      ["prompt", question],
      ["response", response],
      [`labels[${i}]`, label],
    ].find(([, text]) => text!.length > TEXT_LIMIT);
    if (tooLong) return failed(`the ${tooLong[0]} is longer than ${TEXT_LIMIT} characters`);
    return { ok: true, question, response, reference: label, images: body.images?.[i] ?? [] };
  });
}

function failed(reason: string): OpenRlhfItem {
  return { ok: false, reason };
}
