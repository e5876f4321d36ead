import type { ChatMessage, ContentPart, JudgeMode, ResolvedImage } from "./types.ts";

/**
 * The versioned pairwise prompt, MT-Bench style. Its version travels with every verdict,
 * training example and report, so any change to the wording needs a new version.
 */
export const PAIRWISE_TEMPLATE_VERSION = "pairwise-v1";

/** Markers the prompt wraps each part in; the simulated engine reads prompts by them. */
export const PAIRWISE_MARKERS = {
  question: "[User Question]",
  rubric: "[Additional Criteria]",
  startA: "[The Start of Assistant A's Answer]",
  endA: "[The End of Assistant A's Answer]",
  startB: "[The Start of Assistant B's Answer]",
  endB: "[The End of Assistant B's Answer]",
} as const;

const JUDGE_INSTRUCTIONS = [
  "Please act as an impartial judge and evaluate the quality of the responses provided by two",
  "AI assistants to the user question displayed below, about the image(s) shown. Choose the",
  "assistant that follows the user's instructions and answers the user's question better.",
  "Consider correctness with respect to the image first (objects, counts, attributes, spatial",
  "relations, text in the image), then helpfulness, relevance and level of detail.",
  "Avoid any position bias: the order in which the responses were presented must not",
  "influence your decision. Do not let the length of the responses influence your evaluation.",
  "Do not favour certain names of the assistants. Be as objective as possible.",
].join(" ");

const REASONED_OUTPUT_RULE =
  "Begin your evaluation by comparing the two responses and give a short explanation. " +
  'After your explanation, output your final verdict by strictly following this format: "[[A]]" ' +
  'if assistant A is better, "[[B]]" if assistant B is better.';

const FAST_OUTPUT_RULE =
  "Output only your final verdict and nothing else: A if assistant A is better, B if " +
  "assistant B is better.";

/** The parts of one prompt, with the responses already placed in slots A and B. */
export interface PairwisePromptInput {
  question: string;
  images: ResolvedImage[];
  slotA: string;
  slotB: string;
  rubric?: string | undefined;
  mode: JudgeMode;
}

/** The system prompt for a mode. */
export function pairwiseSystemPrompt(mode: JudgeMode): string {
  return `${JUDGE_INSTRUCTIONS} ${mode === "fast" ? FAST_OUTPUT_RULE : REASONED_OUTPUT_RULE}`;
}

/** The user turn's text: question, optional rubric, and both answers between markers. */
export function pairwiseUserText(input: Omit<PairwisePromptInput, "images" | "mode">): string {
  const m = PAIRWISE_MARKERS;
  const parts = [`${m.question}\n${input.question}`];
  if (input.rubric) parts.push(`${m.rubric}\n${input.rubric}`);
  parts.push(`${m.startA}\n${input.slotA}\n${m.endA}`);
  parts.push(`${m.startB}\n${input.slotB}\n${m.endB}`);
  return parts.join("\n\n");
}

/** Renders the chat messages for one order; images come first in the user turn. */
export function renderPairwisePrompt(input: PairwisePromptInput): ChatMessage[] {
  const content: ContentPart[] = input.images.map((image) => ({
    type: "image_url",
    image_url: { url: image.dataUri },
  }));
  content.push({ type: "text", text: pairwiseUserText(input) });
  return [
    { role: "system", content: pairwiseSystemPrompt(input.mode) },
    { role: "user", content },
  ];
}
