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
 * A text as VL-RewardBench's own script shows it to a judge: its `inference_hf.py`
 * (vl-rewardbench/VL_RewardBench, commit 9b10abd) builds one prompt from the query and both
 * responses, then removes every `<image>\n` from it (Python's `str.replace`: all occurrences),
 * the LLaVA-style placeholder that the attached image stands for. Exactly that string: a bare
 * `<image>` with no newline after it stays, as it does there.
 */
export function withoutImagePlaceholders(text: string): string {
  return text.replaceAll("<image>\n", "");
}

/**
 * The item of a parsed VLRB row; `human_ranking[0] === 0` means the first response is preferred.
 * Query and responses lose their `<image>\n` placeholders as in the official script; the key
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
