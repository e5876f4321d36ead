import type { Logger } from "pino";
import { keepableDataUri } from "../core/data-uri-payload.ts";
import type { createPairwiseJudge } from "../core/pairwise-judge.ts";
import type { PairwiseTask, Slot } from "../core/types.ts";
import type { ShadowStats } from "../store/shadow-stats.ts";

/** How a shadow attempt ended, as the metric's label. */
export type ShadowEvent = "agree" | "disagree" | "error" | "dropped";

export interface ShadowJudgeOptions {
  judge: ReturnType<typeof createPairwiseJudge>;
  stats: ShadowStats;
  /** Share of live champion verdicts shadowed, in [0, 1]. */
  rate: number;
  /** Shadow judgements in flight at most; more are dropped (and counted), never queued. */
  maxInFlight: number;
  /** How often the shadow target is re-read, ms. */
  refreshMs: number;
  logger: Logger;
  observe?: (event: ShadowEvent) => void;
  random?: () => number;
}

/** A live verdict the champion gave, offered for shadowing. */
export interface ShadowOffer {
  task: PairwiseTask;
  /** The champion's winner and the checkpoint that gave it. */
  winner: Slot | "tie" | null;
  checkpoint: string;
}

/**
 * The offer with its images as a shadow verdict keeps them: it runs after the caller's
 * response, outside the in-flight byte budget, for as long as a batch-class call waits. An
 * HTTP image is a slice of its request body, which a slice kept would keep whole (a batch body
 * can be 200 MB for one item's image); the caller's own copy of a resized image is not judged.
 */
function kept(offer: ShadowOffer): ShadowOffer {
  const images = offer.task.images.map(({ originalDataUri: _, ...image }) => ({
    ...image,
    dataUri: keepableDataUri(image.dataUri),
  }));
  return { ...offer, task: { ...offer.task, images } };
}

/**
 * Shadow traffic: a share of live champion verdicts is judged again by the staged candidate,
 * off the critical path (the caller's response never waits), and the agreement, consistency
 * and invalid counts go to the shared stats the shadow gate reads. The target is re-read
 * every `refreshMs`, so a candidate staged by the trainer starts receiving traffic on every
 * gateway within a refresh.
 */
export function createShadowJudge(options: ShadowJudgeOptions) {
  const random = options.random ?? Math.random;
  const stop = new AbortController();
  let target: string | null = null;
  let inFlight = 0;
  const running = new Set<Promise<void>>();

  async function refresh(): Promise<void> {
    target = await options.stats.target().catch(() => target);
  }
  const timer = setInterval(() => void refresh(), options.refreshMs);
  timer.unref();
  void refresh();

  async function shadow(offer: ShadowOffer, candidate: string): Promise<void> {
    try {
      const result = await options.judge.judge(
        // Batch class: shadow work must never take a slot from a live interactive verdict; on
        // replicas with priority scheduling it also runs after every other class.
        { ...offer.task, checkpoint: candidate, swap: true, priority: "batch", work: "shadow" },
        stop.signal,
      );
      const agree = result.winner === offer.winner;
      await options.stats.record(candidate, {
        agree,
        consistent: result.consistent,
        invalid: result.orders.some((order) => order.outcome === "invalid"),
      });
      options.observe?.(agree ? "agree" : "disagree");
    } catch (error) {
      if (!stop.signal.aborted)
        options.logger.debug({ err: error, candidate }, "shadow verdict failed");
      options.observe?.("error");
    }
  }

  return {
    /** Maybe shadows a live verdict; returns at once. */
    offer(offer: ShadowOffer): void {
      const candidate = target;
      if (!candidate || candidate === offer.checkpoint || options.rate <= 0) return;
      if (random() >= options.rate) return;
      if (inFlight >= options.maxInFlight) {
        options.observe?.("dropped");
        return;
      }
      inFlight++;
      const task = shadow(kept(offer), candidate).finally(() => {
        inFlight--;
        running.delete(task);
      });
      running.add(task);
    },
    /** The target now (tests and status). */
    target: () => target,
    refresh,
    async close(): Promise<void> {
      clearInterval(timer);
      stop.abort(new Error("shutting down"));
      await Promise.allSettled([...running]);
    },
  };
}

export type ShadowJudge = ReturnType<typeof createShadowJudge>;
