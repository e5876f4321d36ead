import { combineOrders, mapOrderVerdict, type SlotVerdict } from "./order-combination.ts";
import { PAIRWISE_TEMPLATE_VERSION, renderPairwisePrompt } from "./pairwise-template.ts";
import { linkSignals } from "./signals.ts";
import type {
  ChatMessage,
  CombinedVerdict,
  CompletionRequest,
  EngineSession,
  JudgeEngine,
  Order,
  OrderVerdict,
  PairwiseTask,
  PromptTokenUsage,
} from "./types.ts";
import { parseVerdict } from "./verdict-parser.ts";
import { verdictProbability } from "./verdict-probability.ts";

/** Sampling settings for pairwise judging, from config. */
export interface PairwiseJudgeSettings {
  /** Half-width around 0.5 within which disagreeing orders are a tie (default 0.1). */
  tieMargin: number;
  /** Temperature of the first attempt. */
  temperature: number;
  /** Lower bound on the retry's temperature, so a retry can leave a stuck answer. */
  retryTemperature: number;
  /** Token budget of a reasoned completion; fast mode always uses 1. */
  maxTokens: number;
  /** Alternatives per token to request (≥ 5 for verdict probabilities). */
  topLogprobs: number;
}

export interface PairwiseJudgeDeps {
  engine: JudgeEngine;
  settings: PairwiseJudgeSettings;
}

/** A combined verdict with where and how it was made. */
export interface JudgeResult extends CombinedVerdict {
  checkpoint: string;
  replica: string;
  template: typeof PAIRWISE_TEMPLATE_VERSION;
  /** The prompt tokens of the verdict's engine calls (both orders, retries), when reported. */
  promptTokens?: PromptTokenUsage | undefined;
}

/** Seed of an order's first attempt when the task has none. */
export const DEFAULT_SEED = 0;

/** Retries use a seed this far from the first, so they never repeat its sample. */
const RETRY_SEED_OFFSET = 1_000_003;
const SEED_MODULUS = 2 ** 31;

/** The retry seed derived from a first-attempt seed; stays a non-negative 31-bit integer. */
export function retrySeed(seed: number): number {
  return (((seed + RETRY_SEED_OFFSET) % SEED_MODULUS) + SEED_MODULUS) % SEED_MODULUS;
}

/**
 * Judges pairwise tasks. Both orders (or only `AB` when `swap` is off) run concurrently on
 * one engine session, so the replica's prefix cache shares the images and question. An
 * order with no readable verdict is retried once with `retrySeed` and a temperature of at
 * least `retryTemperature`; engine errors (AppError from `complete`) propagate untouched.
 */
export function createPairwiseJudge(deps: PairwiseJudgeDeps) {
  const { engine, settings } = deps;

  async function judge(task: PairwiseTask, signal?: AbortSignal): Promise<JudgeResult> {
    const session = engine.session(task.checkpoint, { priority: task.priority, work: task.work });
    const verdicts = task.swap
      ? await judgeBothOrders(session, task, signal)
      : [await judgeOrder(session, task, "AB", signal)];
    return {
      ...combineOrders(verdicts, settings.tieMargin),
      checkpoint: session.checkpoint,
      replica: session.replica,
      template: PAIRWISE_TEMPLATE_VERSION,
      promptTokens: session.promptTokens,
    };
  }

  async function judgeBothOrders(
    session: EngineSession,
    task: PairwiseTask,
    signal: AbortSignal | undefined,
  ): Promise<OrderVerdict[]> {
    // Only with a sibling is there one to cancel: a single order goes without this link.
    const orders = linkSignals(signal);
    return Promise.all(
      (["AB", "BA"] as const).map((order) => judgeOrder(session, task, order, orders.signal)),
    )
      .catch((error: unknown) => {
        // One order failed: cancel its sibling rather than leave the replica working for nobody.
        orders.abort(error);
        throw error;
      })
      .finally(() => orders.dispose());
  }

  async function judgeOrder(
    session: EngineSession,
    task: PairwiseTask,
    order: Order,
    signal: AbortSignal | undefined,
  ): Promise<OrderVerdict> {
    const messages = renderOrder(task, order);
    const seed = task.seed ?? DEFAULT_SEED;
    const first = await attempt(session, task, messages, seed, settings.temperature, signal);
    if (first.verdict.ok) return mapOrderVerdict(order, first.verdict, first.probabilityA);
    const temperature = Math.max(settings.temperature, settings.retryTemperature);
    const retry = await attempt(session, task, messages, retrySeed(seed), temperature, signal);
    if (retry.verdict.ok) return mapOrderVerdict(order, retry.verdict, retry.probabilityA);
    const reason = `${first.verdict.reason}; after retry: ${retry.verdict.reason}`;
    return mapOrderVerdict(order, { ...retry.verdict, reason }, null);
  }

  async function attempt(
    session: EngineSession,
    task: PairwiseTask,
    messages: ChatMessage[],
    seed: number,
    temperature: number,
    signal: AbortSignal | undefined,
  ): Promise<{ verdict: SlotVerdict; probabilityA: number | null }> {
    const request = completionRequest(task, messages, seed, temperature);
    const [completion] = await session.complete(request, signal);
    if (!completion) {
      return { verdict: { ok: false, reason: "no completion", reasoning: "" }, probabilityA: null };
    }
    const reasoning = task.mode === "fast" ? "" : completion.text.trim();
    const parsed = parseVerdict(completion.text, task.mode);
    if (!parsed.ok) return { verdict: { ...parsed, reasoning }, probabilityA: null };
    const probability = verdictProbability(completion.tokens, {
      text: completion.text,
      mode: task.mode,
      slot: parsed.slot,
      index: parsed.index,
    });
    return {
      verdict: { ok: true, slot: parsed.slot, reasoning },
      probabilityA: probability?.probabilityA ?? null,
    };
  }

  function completionRequest(
    task: PairwiseTask,
    messages: ChatMessage[],
    seed: number,
    temperature: number,
  ): CompletionRequest {
    const fast = task.mode === "fast";
    return {
      messages,
      maxTokens: fast ? 1 : settings.maxTokens,
      temperature,
      seed,
      topLogprobs: settings.topLogprobs,
      ...(fast ? { choice: ["A", "B"] } : {}),
    };
  }

  return { judge };
}

/** The prompt for one order: `BA` puts the caller's B in slot A. */
function renderOrder(task: PairwiseTask, order: Order): ChatMessage[] {
  const [first, second] = task.responses;
  return renderPairwisePrompt({
    question: task.question,
    images: task.images,
    rubric: task.rubric,
    mode: task.mode,
    slotA: order === "AB" ? first : second,
    slotB: order === "AB" ? second : first,
  });
}

/** The pairwise judge service, typed from its factory. */
export type PairwiseJudge = ReturnType<typeof createPairwiseJudge>;
