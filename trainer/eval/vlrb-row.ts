import { z } from "zod";
import { type EvalItem, itemKey } from "./eval-item.ts";
import type { ItemImages } from "./item-images.ts";
import { idField, integerField, textField } from "./row-fields.ts";

/** VL-RewardBench's three categories. */
export type VlrbCategory = "hallucination" | "reasoning" | "general";

const HALLUCINATION_PREFIXES = ["hallucination", "rlaif", "rlhf"];
const REASONING_PREFIXES = ["mathverse", "mmmu"];

/**
 * The official rule: the id prefix names the source set. `hallucination…`, `RLAIF…`, `RLHF…` →
 * hallucination; `mathverse…`, `mmmu…` → reasoning; anything else → general. Matched without
 * regard to case, since the release spells prefixes both ways (`RLAIF-V-14`, `mathverse_…`).
 */
export function vlrbCategory(id: string): VlrbCategory {
  const lower = id.toLowerCase();
  if (HALLUCINATION_PREFIXES.some((prefix) => lower.startsWith(prefix))) return "hallucination";
  if (REASONING_PREFIXES.some((prefix) => lower.startsWith(prefix))) return "reasoning";
  return "general";
}

const humanRanking = z
  .tuple([integerField, integerField])
  .refine(
    ([first, second]) => (first === 0 && second === 1) || (first === 1 && second === 0),
    "must be [0,1] or [1,0] (0 marks the preferred response)",
  );

/** The fields both VLRB formats share; extra fields (`models`, `judge`, `meta`, …) are ignored. */
export const vlrbPairFields = {
  id: idField,
  query: textField,
  response: z.tuple([textField, textField]),
  human_ranking: humanRanking,
};

const vlrbPair = z.object(vlrbPairFields);
export type VlrbPair = z.output<typeof vlrbPair>;

/**
 * A text as VL-RewardBench's own script shows it to a judge. Its `prompt.py`
 * (vl-rewardbench/VL_RewardBench, commit 9b10abd) renders the query and both answers into one
 * template, each followed by `\n\n` (and preceded by `: `); `inference_hf.py` then runs
 * `.replace("<image>\n", "")` on the WHOLE prompt (Python: every non-overlapping occurrence,
 * left to right, no rescan; JavaScript's `replaceAll` with a string does the same). So a field
 * loses every `<image>\n` inside it AND a trailing `<image>`, whose `\n` is the template's
 * separator: "What is this?\n<image>" → "What is this?", "A circle.<image>" → "A circle.".
 * Nothing before a field (`: `) can complete a match, and the separator's second `\n` can end
 * none, so appending one `\n` and replacing reproduces exactly what the template does — also
 * in cases a strip-then-trim would get wrong: "X<image><image>\n" keeps one `<image>`.
 * If that `\n` survives it is removed again; if a trailing `<image>` took it, the official
 * prompt has one blank line less there, which a field cannot carry: the text is the same.
 */
export function withoutImagePlaceholders(text: string): string {
  const rendered = `${text}\n`.replaceAll("<image>\n", "");
  return rendered.endsWith("\n") ? rendered.slice(0, -1) : rendered;
}

/**
 * The item of a parsed VLRB row; `human_ranking[0] === 0` means the first response is preferred.
 * Query and responses lose their `<image>` placeholders as in the official script; the key
 * hashes the texts as judged, so results judged on the raw texts do not pair with these.
 */
export function vlrbItem(pair: VlrbPair, rowIndex: number, images: ItemImages): EvalItem {
  const firstIsChosen = pair.human_ranking[0] === 0;
  const first = withoutImagePlaceholders(pair.response[0]);
  const second = withoutImagePlaceholders(pair.response[1]);
  const question = withoutImagePlaceholders(pair.query);
  return {
    key: itemKey(rowIndex, [pair.id, question, first, second, ...images.imageSha256s]),
    id: pair.id,
    benchmark: "vlrb",
    category: vlrbCategory(pair.id),
    question,
    ...images,
    chosen: firstIsChosen ? first : second,
    rejected: firstIsChosen ? second : first,
    firstIsChosen,
  };
}
