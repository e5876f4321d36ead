import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { type AppError, toAppError } from "../core/errors.ts";
import { logFailure } from "../core/failure-log.ts";
import { isOverBudget, type Reservation } from "../core/inflight-bytes.ts";
import { mapConcurrent } from "../core/map-concurrent.ts";
import type { createPairwiseJudge } from "../core/pairwise-judge.ts";
import { PAIRWISE_TEMPLATE_VERSION } from "../core/pairwise-template.ts";
import type { ObserveVerdict, PriorityClass, ResolvedImage } from "../core/types.ts";
import type { BudgetedImage } from "../images/budgeted-image.ts";
import { type ImageIntake, imageHashes } from "../images/image-intake.ts";
import type { CachedVerdicts } from "./cached-verdicts.ts";
import type { PairwiseRequest } from "./pairwise-request.ts";
import type { ShadowOffer } from "./shadow-judge.ts";
import { type Verdict, verdictOf } from "./verdict.ts";

export interface JudgeServiceDeps {
  /** Checks images (cheap: hashes for the cache key), then settles (resizes) on a miss. */
  intake: Pick<ImageIntake, "check" | "settle">;
  judge: ReturnType<typeof createPairwiseJudge>;
  /** Whether a checkpoint is served by simulated replicas (said in every verdict). */
  isSimulated(checkpoint: string): boolean;
  /** Batch items judged at once. */
  batchConcurrency: number;
  logger: Logger;
  /** Sees every fresh verdict (the verdict metrics); omitted in tests that do not read it. */
  observeVerdict?: ObserveVerdict;
  /** The verdict cache; omitted → every request is judged. */
  cache?: CachedVerdicts;
  /** The champion's id now, for cache keys of requests that do not pin a checkpoint. */
  champion?: () => string | undefined;
  /** Receives every fresh verdict for sampling into the prompt log; never blocks. */
  collect?: (input: CollectedVerdict) => void;
  /** Receives fresh champion verdicts for shadow judging by a candidate; never blocks. */
  shadow?: (offer: ShadowOffer) => void;
}

/** What the service hands to prompt collection. */
export interface CollectedVerdict {
  tenant: string;
  collect: boolean | undefined;
  question: string;
  images: ResolvedImage[];
  responses: [string, string];
  verdict: Verdict;
}

/** Per-call context from the transport. */
export interface CallContext {
  /** Aborted on deadline, client disconnect or shutdown. */
  signal?: AbortSignal | undefined;
  /** The caller's tenant (from its API key), for collection. */
  tenant?: string | undefined;
  /**
   * Admission class of the call's engine work: `interactive` (default) or `batch`, which
   * yields replica slots to interactive calls and may wait longer for one (reward traffic).
   */
  priority?: PriorityClass | undefined;
  /** The request's hold on the in-flight byte budget: its images' decoded bytes join it. */
  inflight?: Reservation | null | undefined;
}

/** A batch item as the transport read it: a checked request, or why it was refused. */
export type BatchItem = { request: PairwiseRequest } | { refused: AppError };

/** Each batch item's verdict or error, by its index in the batch. */
export type BatchResult = { index: number; verdict: Verdict } | { index: number; error: AppError };

/**
 * Pairwise judging, transport-free: image checks, the verdict cache, image resizes on a miss,
 * the judge core, shadowing and collection. HTTP and gRPC call it with checked requests and an
 * AbortSignal for deadline and disconnect, and map the `Verdict` it answers to their wire.
 */
export function createJudgeService(deps: JudgeServiceDeps) {
  async function pairwise(request: PairwiseRequest, context: CallContext = {}): Promise<Verdict> {
    const started = performance.now();
    const checked = await deps.intake.check(
      request.images,
      context.signal,
      context.inflight ?? undefined,
    );
    const cached = await lookupCached(request, checked);
    if (cached?.verdict) {
      return { ...cached.verdict, id: newVerdictId(), cached: true, latencyMs: elapsed(started) };
    }
    // Only a miss needs the pixels: a cached verdict never pays for a resize.
    const images = await deps.intake.settle(checked, context.signal);
    const verdict = await judgeFresh(request, images, started, context);
    if (cached) deps.cache?.store(cached.key, verdict);
    if (request.checkpoint === undefined) {
      deps.shadow?.({
        task: {
          question: request.question,
          images,
          responses: request.responses,
          rubric: request.rubric,
          mode: request.mode,
          swap: true,
          seed: request.seed,
        },
        winner: verdict.winner,
        checkpoint: verdict.checkpoint,
      });
    }
    deps.collect?.({
      tenant: context.tenant ?? "default",
      collect: request.collect,
      question: request.question,
      images,
      responses: request.responses,
      verdict,
    });
    return verdict;
  }

  /** The cache lookup for a request, or null when the cache is off or bypassed. */
  async function lookupCached(request: PairwiseRequest, checked: readonly BudgetedImage[]) {
    if (!deps.cache) return null;
    const checkpoint = request.checkpoint ?? deps.champion?.();
    if (!checkpoint || request.cache === false) {
      deps.cache.bypass();
      return null;
    }
    return deps.cache.lookup({
      checkpoint,
      template: PAIRWISE_TEMPLATE_VERSION,
      mode: request.mode,
      swap: request.swap,
      seed: request.seed,
      question: request.question,
      rubric: request.rubric,
      imageHashes: imageHashes(checked),
      responses: request.responses,
    });
  }

  async function judgeFresh(
    request: PairwiseRequest,
    images: ResolvedImage[],
    started: number,
    context: CallContext,
  ): Promise<Verdict> {
    const result = await deps.judge.judge(
      {
        question: request.question,
        images,
        responses: request.responses,
        rubric: request.rubric,
        mode: request.mode,
        swap: request.swap,
        checkpoint: request.checkpoint,
        seed: request.seed,
        priority: context.priority,
      },
      context.signal,
    );
    deps.observeVerdict?.(result);
    return verdictOf(result, {
      id: newVerdictId(),
      checkpoint: result.checkpoint,
      template: result.template,
      mode: request.mode,
      cached: false,
      simulated: deps.isSimulated(result.checkpoint),
      latencyMs: elapsed(started),
    });
  }

  async function batchItem(
    item: BatchItem,
    index: number,
    context: CallContext,
  ): Promise<BatchResult> {
    if ("refused" in item) return { index, error: item.refused };
    try {
      return { index, verdict: await pairwise(item.request, context) };
    } catch (thrown) {
      if (isOverBudget(thrown)) throw thrown;
      const error = toAppError(thrown);
      logFailure(deps.logger, error, "batch item failed", { index });
      return { index, error };
    }
  }

  /**
   * Judges every item with bounded concurrency; one bad item never fails the batch. The one
   * exception is the in-flight byte budget: an item whose images do not fit fails the whole
   * batch with OVERLOADED (503 + Retry-After, as `/get_reward` answers), since the refusal says
   * the server is busy, not that the item is wrong; a caller retries the request rather than
   * pick overloaded items out of a 200. The items still running are aborted and no more start.
   */
  async function batch(
    items: readonly BatchItem[],
    context: CallContext = {},
  ): Promise<BatchResult[]> {
    const overBudget = new AbortController();
    const signal = context.signal
      ? AbortSignal.any([context.signal, overBudget.signal])
      : overBudget.signal;
    const itemContext = { ...context, signal };
    return mapConcurrent(items, deps.batchConcurrency, async (item, index) => {
      overBudget.signal.throwIfAborted();
      try {
        return await batchItem(item, index, itemContext);
      } catch (thrown) {
        overBudget.abort(thrown);
        throw thrown;
      }
    });
  }

  return { pairwise, batch };
}

export type JudgeService = ReturnType<typeof createJudgeService>;

const newVerdictId = () => `vrd_${randomUUID().replaceAll("-", "")}`;
const elapsed = (started: number) => Math.round(performance.now() - started);
