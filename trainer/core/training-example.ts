import {
  PAIRWISE_TEMPLATE_VERSION,
  renderPairwisePrompt,
} from "../../src/core/pairwise-template.ts";
import type { ChatMessage, Order, ResolvedImage } from "../../src/core/types.ts";
import type { QuestionKind } from "./question-classifier.ts";
import { chosenSlot, type SyntheticPair, slotsFor } from "./synthetic-pair.ts";
import { verdictTrace } from "./verdict-trace.ts";

/**
 * One SFT example in TRL's conversational vision format (language-modeling type): a
 * `messages` list whose contents are lists of `{ type: "image" }` / `{ type: "text" }`
 * parts, and an `images` list with one entry per image part, in order (TRL docs,
 * dataset_formats "Vision datasets"; SFTTrainer "Training Vision Language Models"). The
 * prompt is the gateway's own pairwise-v1 prompt, rendered by `renderPairwisePrompt`, so
 * training and serving see the same words. Lineage sits beside the TRL columns.
 */

export type TrlContent = { type: "image" } | { type: "text"; text: string };

export interface TrlMessage {
  role: "system" | "user" | "assistant";
  content: TrlContent[];
}

/** Where an example came from (PAPER.md: every example names its sources). */
export interface ExampleLineage {
  promptId: string;
  pairId: string;
  /** The model that generated the pair's responses. */
  generator: string;
  generatorPromptVersion: string;
  /** The judge checkpoint whose verdict became the target. */
  judgeCheckpoint: string;
  /** The checkpoint the iteration's fine-tune starts from; null for the base model. */
  initCheckpoint: string | null;
  iteration: number;
  /** `PAIRWISE_TEMPLATE_VERSION` of the prompt in `messages`. */
  templateVersion: string;
  /** `AB`: chosen in slot A; `BA`: chosen in slot B. */
  order: Order;
  questionKind: QuestionKind;
  /** True when the label was reversed (`labels: "flipped"`): the target names the rejected slot. */
  flipped?: true;
}

export interface TrainingExample {
  messages: TrlMessage[];
  /** Image file paths, one per image part, in order. */
  images: string[];
  lineage: ExampleLineage;
}

export interface ExampleInput {
  pair: SyntheticPair;
  order: Order;
  /** The judge's reasoning, ending in the `[[X]]` naming the chosen response's slot. */
  trace: string;
  /** Paths of the pair's images, one per `pair.imageHashes`, same order. */
  imagePaths: string[];
  judgeCheckpoint: string;
  /** The checkpoint the iteration's fine-tune starts from; null (or absent) for the base model. */
  initCheckpoint?: string | null | undefined;
  iteration: number;
}

/** Placeholders for rendering: only their number and order matter (each becomes `{ type: "image" }`). */
function placeholders(pair: SyntheticPair, paths: string[]): ResolvedImage[] {
  return pair.imageHashes.map((sha256, i) => ({
    sha256,
    mime: "image/png",
    dataUri: paths[i]!,
    byteLength: 0,
  }));
}

function toTrl(message: ChatMessage): TrlMessage {
  const parts = typeof message.content === "string" ? [message.content] : message.content;
  const content = parts.map((part): TrlContent => {
    if (typeof part === "string") return { type: "text", text: part };
    return part.type === "text" ? { type: "text", text: part.text } : { type: "image" };
  });
  return { role: message.role, content };
}

function checkInput(input: ExampleInput): void {
  if (input.imagePaths.length !== input.pair.imageHashes.length) {
    throw new Error(
      `${input.pair.pairId}: ${input.imagePaths.length} image paths for ${input.pair.imageHashes.length} images`,
    );
  }
  const want = chosenSlot(input.order);
  // A trace the gateway's parser reads that ends in `[[X]]` names X: a marker closing the
  // text is never quoted, so it is the last one that counts.
  if (!verdictTrace(input.trace) || !input.trace.endsWith(`[[${want}]]`)) {
    throw new Error(`${input.pair.pairId} ${input.order}: the trace must end in [[${want}]]`);
  }
}

/**
 * Builds one example: system and user turns from the gateway's reasoned pairwise prompt
 * with the pair's responses in the order's slots, then the assistant's trace. Throws when
 * the trace does not end in the chosen response's slot or the image paths do not match
 * the pair's images (both are bugs upstream, never data to train on).
 */
export function buildTrainingExample(input: ExampleInput): TrainingExample {
  checkInput(input);
  const { pair, order } = input;
  const prompt = renderPairwisePrompt({
    question: pair.question,
    images: placeholders(pair, input.imagePaths),
    ...slotsFor(pair, order),
    mode: "reasoned",
  });
  const assistant: TrlMessage = {
    role: "assistant",
    content: [{ type: "text", text: input.trace }],
  };
  return {
    messages: [...prompt.map(toTrl), assistant],
    images: [...input.imagePaths],
    lineage: {
      promptId: pair.promptId,
      pairId: pair.pairId,
      generator: pair.generator,
      generatorPromptVersion: pair.generatorPromptVersion,
      judgeCheckpoint: input.judgeCheckpoint,
      initCheckpoint: input.initCheckpoint ?? null,
      iteration: input.iteration,
      templateVersion: PAIRWISE_TEMPLATE_VERSION,
      order,
      questionKind: pair.questionKind,
    },
  };
}

/**
 * The example with its label reversed (`labels: "flipped"`): the target's final `[[X]]` names
 * the other slot; the prompt and the reasoning before the marker are unchanged. Throws when
 * the target does not end in a marker (never data to train on).
 */
export function flipLabel(example: TrainingExample): TrainingExample {
  const last = example.messages.at(-1);
  const part = last?.content.at(-1);
  const marker = part?.type === "text" ? /\[\[([AB])\]\]$/.exec(part.text) : null;
  if (last?.role !== "assistant" || part?.type !== "text" || !marker) {
    throw new Error(`${example.lineage.pairId} ${example.lineage.order}: no final verdict to flip`);
  }
  const other = marker[1] === "A" ? "B" : "A";
  const text = `${part.text.slice(0, marker.index)}[[${other}]]`;
  const assistant: TrlMessage = {
    ...last,
    content: [...last.content.slice(0, -1), { type: "text", text }],
  };
  return {
    ...example,
    messages: [...example.messages.slice(0, -1), assistant],
    lineage: { ...example.lineage, flipped: true },
  };
}
