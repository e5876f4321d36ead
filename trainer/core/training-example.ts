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
  iteration: number;
  /** `PAIRWISE_TEMPLATE_VERSION` of the prompt in `messages`. */
  templateVersion: string;
  /** `AB`: chosen in slot A; `BA`: chosen in slot B. */
  order: Order;
  questionKind: QuestionKind;
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
  const read = verdictTrace(input.trace);
  const want = chosenSlot(input.order);
  if (!read || read.slot !== want || !input.trace.endsWith(`[[${want}]]`)) {
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
      iteration: input.iteration,
      templateVersion: PAIRWISE_TEMPLATE_VERSION,
      order,
      questionKind: pair.questionKind,
    },
  };
}
