import type { ChatMessage, ContentPart, ResolvedImage } from "./types.ts";

/**
 * The generator prompts of self-improvement (PAPER.md step 1): answering a prompt (closed
 * sampling, open originals) and rewriting a response with deliberate errors. One copy, used by
 * the trainer to ask and by the simulated engine to read (`sim/generator-prompts.ts`
 * parses them back by their markers). The version travels with synthesized data.
 */
export const GENERATOR_PROMPT_VERSION = "generator-v1";

/** Markers the rewrite prompt and its expected output use. */
export const REWRITE_MARKERS = {
  question: "[Question]",
  errorCount: "[Number of Errors]",
  startOriginal: "[The Start of Original Response]",
  endOriginal: "[The End of Original Response]",
  startRewrite: "[The Start of Rewritten Response]",
  endRewrite: "[The End of Rewritten Response]",
  errors: "[Injected Errors]",
} as const;

/** The kinds of visually checkable error a rewrite injects. */
export const ERROR_KINDS = ["count", "attribute", "object", "spatial", "text"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** One injected error: the words of the original and what the rewrite says instead. */
export interface InjectedError {
  kind: ErrorKind;
  /** The original's words; empty when the error was added rather than substituted. */
  from: string;
  to: string;
}

/** A rewritten response and the errors it was given. */
export interface Rewrite {
  text: string;
  errors: InjectedError[];
}

export interface RewritePromptInput {
  question: string;
  images: ResolvedImage[];
  original: string;
  /** How many errors to inject; the trainer asks for 1 to 3. */
  errorCount: number;
}

export interface AnswerPromptInput {
  question: string;
  images: ResolvedImage[];
}

const ANSWER_SYSTEM =
  "Answer the user's question about the image(s). For a question with a short answer (a " +
  "number, an option letter, yes or no), reason briefly and end with 'The answer is X.'";

const REWRITE_SYSTEM = [
  "You rewrite a response to a question about an image so that it becomes worse in content",
  "only. Introduce exactly the requested number of deliberate errors that someone looking at",
  "the image can check: change a count, an attribute (colour, size), an object, a spatial",
  "relation, or text read from the image. Keep the style, tone and length of the original.",
  `Output the rewrite between ${REWRITE_MARKERS.startRewrite} and ${REWRITE_MARKERS.endRewrite},`,
  `then ${REWRITE_MARKERS.errors} and one line per error: - kind: "original words" -> "new words",`,
  `where kind is one of ${ERROR_KINDS.join(", ")}.`,
].join(" ");

function userTurn(images: ResolvedImage[], text: string): ChatMessage {
  const content: ContentPart[] = images.map((image) => ({
    type: "image_url",
    image_url: { url: image.dataUri },
  }));
  content.push({ type: "text", text });
  return { role: "user", content };
}

/** Messages asking for an answer to the question (closed-question sampling, originals). */
export function renderAnswerPrompt(input: AnswerPromptInput): ChatMessage[] {
  return [{ role: "system", content: ANSWER_SYSTEM }, userTurn(input.images, input.question)];
}

/** The user turn's text of a rewrite prompt. */
export function rewriteUserText(input: Omit<RewritePromptInput, "images">): string {
  const m = REWRITE_MARKERS;
  return [
    `${m.question}\n${input.question}`,
    `${m.errorCount}\n${input.errorCount}`,
    `${m.startOriginal}\n${input.original}\n${m.endOriginal}`,
  ].join("\n\n");
}

/** Messages asking for a rewrite of `original` with `errorCount` deliberate errors. */
export function renderRewritePrompt(input: RewritePromptInput): ChatMessage[] {
  return [
    { role: "system", content: REWRITE_SYSTEM },
    userTurn(input.images, rewriteUserText(input)),
  ];
}

/** The output format the rewrite prompt asks for (what the simulated generator writes). */
export function formatRewriteOutput(rewrite: Rewrite): string {
  const m = REWRITE_MARKERS;
  const lines = rewrite.errors.map(
    (error) => `- ${error.kind}: ${JSON.stringify(error.from)} -> ${JSON.stringify(error.to)}`,
  );
  return [m.startRewrite, rewrite.text, m.endRewrite, m.errors, ...lines].join("\n");
}
