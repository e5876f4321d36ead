/**
 * Plain values the judge core works on. No I/O here: transports resolve images and call the
 * engine through the `JudgeEngine` port.
 */

/** A slot in the prompt the judge sees. */
export type Slot = "A" | "B";

/** Which caller response sits in slot A: `AB` is the caller's order, `BA` is swapped. */
export type Order = "AB" | "BA";

/** `reasoned`: reasoning then a verdict. `fast`: one constrained verdict token. */
export type JudgeMode = "reasoned" | "fast";

/**
 * `data:<mime>;base64,<payload>`, as a string or as the bytes of its ASCII text. Large images
 * travel as bytes (a slice of the request body, or the gateway's own encoding), never as a
 * JavaScript string: a string of megabytes costs a copy and a page fault per 4 KB each time
 * one is made (`base64-bytes.ts`). Either form is JSON-safe text: no quote, backslash or
 * control character (intake checked every byte).
 */
export type DataUri = string | Uint8Array;

/** An image after intake: validated by magic bytes, hashed, ready to forward. */
export interface ResolvedImage {
  /**
   * Lower-case hex SHA-256 of the image bytes as the caller sent them: the image's identity,
   * which verdict cache keys use, whether or not the gateway resized it.
   */
  sha256: string;
  /** The type of the bytes in `dataUri`. */
  mime: "image/png" | "image/jpeg" | "image/webp" | "image/gif";
  /**
   * `data:<mime>;base64,<bytes>`, what the engine receives: the caller's bytes, or the
   * gateway's resized copy when they were over the image budget.
   */
  dataUri: DataUri;
  /** Size of the bytes in `dataUri`, decoded. */
  byteLength: number;
  /**
   * Set only when the gateway resized the image: the caller's image as a data URI, whose bytes
   * hash to `sha256`. Stores that keep what callers sent, keyed by that hash (prompt
   * collection's blobs, read by the trainer's contamination guard), take it from here.
   */
  originalDataUri?: DataUri;
}

/**
 * Which share of the fleet an engine call draws on: `interactive` (the default, someone is
 * waiting for the verdict) or `batch` (reward and other bulk work, which yields to interactive
 * calls and may wait longer for a slot). See `src/engine/class-admission.ts`.
 */
export type PriorityClass = "interactive" | "batch";

/**
 * The work an engine call does, finer than its admission class: it picks the vLLM `priority`
 * the call carries when that is on (`src/core/vllm-priority.ts`). `batch` is reward and other
 * bulk work; `gate` the promotion gates' evaluations; `trainer` synthesis and filtering;
 * `shadow` the staged candidate's shadow verdicts.
 */
export type WorkClass = "interactive" | "batch" | "gate" | "trainer" | "shadow";

/** One pairwise judging task, transport-free. */
export interface PairwiseTask {
  question: string;
  images: ResolvedImage[];
  /** The caller's responses: index 0 is the caller's A, index 1 the caller's B. */
  responses: [string, string];
  rubric?: string | undefined;
  mode: JudgeMode;
  swap: boolean;
  /** Pinned checkpoint id; undefined means the champion. */
  checkpoint?: string | undefined;
  /** Sampling seed for the first attempt; a retry uses another one derived from it. */
  seed?: number | undefined;
  /** Admission class of the task's engine calls; undefined means `interactive`. */
  priority?: PriorityClass | undefined;
  /** The work its calls do, for vLLM's `priority`; undefined follows `priority`. */
  work?: WorkClass | undefined;
}

/** OpenAI-compatible content parts, as vLLM takes them. */
export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: DataUri } };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string | ContentPart[];
}

/** What the core asks of an engine for one completion. */
export interface CompletionRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  seed: number;
  /** How many alternatives per token to return (≥ 5 for verdict probabilities). */
  topLogprobs: number;
  /** Constrain the whole output to one of these strings (vLLM structured outputs). */
  choice?: string[] | undefined;
  /** Number of samples (default 1). */
  n?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

/** One generated token with its log-probability and the top alternatives at its position. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: TopLogprob[];
}

/**
 * The prompt tokens of one engine call as the engine reported them: `cached` of `total` came
 * from its prefix cache, the rest were computed. `cached` is null when the engine did not say
 * (vLLM reports it only with `--enable-prompt-tokens-details`, and omits it when it is 0).
 */
export interface PromptTokenUsage {
  total: number;
  cached: number | null;
}

/** One choice of a completion. */
export interface Completion {
  text: string;
  /** Per-token logprobs, or null when the engine returned none. */
  tokens: TokenLogprob[] | null;
  finishReason: string | null;
  /**
   * The prompt tokens of the call that made this choice (every choice of one call carries the
   * same); undefined when the engine reported no usage.
   */
  prompt?: PromptTokenUsage | undefined;
}

/**
 * A handle on one replica serving one checkpoint. Both orders of a verdict go through the
 * same session so the engine's prefix cache shares the image and question tokens.
 */
export interface EngineSession {
  /** The checkpoint id (served model name) the session's completions use. */
  readonly checkpoint: string;
  /** Which replica serves this session, for logs and metrics. */
  readonly replica: string;
  /** One completion per requested sample (`n`). Throws AppError on failure. */
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion[]>;
  /**
   * The prompt tokens of every call the session completed so far, summed (`cached` summed
   * over the calls that reported it; null when none did); undefined before the first usage.
   */
  readonly promptTokens?: PromptTokenUsage | undefined;
}

/** How a session's calls are admitted. */
export interface SessionOptions {
  /** Admission class of every call of the session; undefined means `interactive`. */
  priority?: PriorityClass | undefined;
  /**
   * The work its calls do, which picks the vLLM `priority` they carry when that is on
   * (src/core/vllm-priority.ts); undefined follows `priority` (`batch` or `interactive`).
   */
  work?: WorkClass | undefined;
}

/** The port the judge core uses to reach the model. */
export interface JudgeEngine {
  /**
   * Picks a replica for `checkpoint` (the champion when undefined). Throws
   * AppError NO_HEALTHY_REPLICA when none serves it, NOT_FOUND when no replica knows it.
   */
  session(checkpoint: string | undefined, options?: SessionOptions): EngineSession;
}

/** The verdict of one order, mapped back to the caller's A/B. */
export interface OrderVerdict {
  order: Order;
  outcome: "ok" | "invalid";
  /** The caller's response judged better; null when invalid. */
  winner: Slot | null;
  /** P(caller's A is better) for this order; null when invalid. */
  probabilityA: number | null;
  reasoning: string;
  /** Why the order is invalid. */
  reason?: string | undefined;
}

export type VerdictOutcome = "ok" | "partial" | "abstain";

/** The combined verdict over the judged orders. */
export interface CombinedVerdict {
  outcome: VerdictOutcome;
  winner: Slot | "tie" | null;
  probabilityA: number | null;
  /** Whether both orders named the same response; null unless both orders were read. */
  consistent: boolean | null;
  reasoning: string;
  orders: OrderVerdict[];
  reason?: string | undefined;
}

/** Sees each combined verdict as it is made (the verdict metrics implement it). */
export type ObserveVerdict = (verdict: CombinedVerdict) => void;
