import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ResolvedImage } from "../core/types.ts";
import type { Verdict } from "../judge/verdict.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { PromptLog, PromptRecord } from "../store/prompt-log.ts";
import { createCollectionBuffer } from "./collection-buffer.ts";
import {
  type CollectionObserver,
  type FlushFailureCause,
  NO_COLLECTION_OBSERVER,
} from "./collection-observer.ts";
import { BlobWriteError, storeImageBlobs } from "./image-blobs.ts";
import { promptContentHash, samplingPoint, tenantRate } from "./sampling.ts";

/** Collection tuning; every field comes from config. */
export interface CollectorSettings {
  /** Share of each tenant's distinct prompts collected, 0–1. */
  defaultRate: number;
  /** Per-tenant rates overriding the default; 0 opts a tenant out. */
  tenantRates: Readonly<Record<string, number>>;
  /** Equal prompts (same content hash) within this many ms are kept once; 0 keeps all. */
  dedupWindowMs: number;
  /** Sampled records held while waiting to be written; beyond it new ones are dropped. */
  maxBuffer: number;
  /** How often buffered records are written, ms. */
  flushIntervalMs: number;
  /** Records per prompt log append; a full batch is written without waiting for the timer. */
  maxBatch: number;
  /** Longest `close()` spends writing what is left, ms. Default 5,000. */
  closeTimeoutMs?: number;
}

/** What the judge hands the collector after a verdict. */
export interface CollectInput {
  tenant: string;
  /** The request's `collect` flag; false skips collection. */
  collect?: boolean | undefined;
  question: string;
  /**
   * The images as intake resolved them; their bytes are decoded at flush from
   * `originalDataUri` when the gateway resized them, else from `dataUri`.
   */
  images: readonly ResolvedImage[];
  responses: readonly [string, string];
  /** The judge service's verdict; only these fields are kept. */
  verdict: Pick<Verdict, "winner" | "probabilityA" | "consistent" | "checkpoint">;
}

export interface PromptCollectorOptions {
  log: PromptLog;
  blobs: BlobStore;
  settings: CollectorSettings;
  observer?: CollectionObserver;
  logger: Logger;
}

// The log keeps what the caller sent, under the hash the record names (the trainer's
// contamination guard matches benchmark images by it), not the gateway's resized copy.
const asCallerSent = (image: ResolvedImage) => ({
  sha256: image.sha256,
  dataUri: image.originalDataUri ?? image.dataUri,
});

/**
 * Samples production prompts into the prompt log, off the request path. `offer` is
 * synchronous, cheap (one SHA-256 over the text) and never throws; sampled records wait in a
 * bounded buffer that a background timer (unref'd) writes in batches: image blobs first, then
 * one `appendBatch`. When the log or blob store fails, records stay buffered and are retried
 * on the next tick (counted by cause, logged once per cause); when the buffer is full, new
 * records are dropped and counted, as are records whose blobs a full store refused. Nothing it
 * does can reject unhandled.
 */
export function createPromptCollector(options: PromptCollectorOptions) {
  const { log, blobs, settings, logger } = options;
  const observer = options.observer ?? NO_COLLECTION_OBSERVER;
  const buffer = createCollectionBuffer(settings.maxBuffer);
  let flushing: Promise<void> | null = null;
  let flushSoon = false;
  /** What the last flush failed at; null while writes succeed. */
  let failing: FlushFailureCause | null = null;
  let closed = false;
  let abandoned = false;
  let closing: Promise<void> | null = null;

  const timer = setInterval(() => {
    if (!flushing && buffer.size() > 0) void flush();
  }, settings.flushIntervalMs);
  timer.unref();

  function toRecord(input: CollectInput, imageHashes: string[], contentHash: string) {
    const { winner, probabilityA, consistent, checkpoint } = input.verdict;
    return {
      // 60 random bits (16 hex digits of a v4 UUID, one of them fixed) from randomUUID, which
      // draws on a cached entropy pool: randomBytes asked the system for 8 bytes per record.
      id: `col_${randomUUID().replaceAll("-", "").slice(0, 16)}`,
      tenant: input.tenant,
      question: input.question,
      imageHashes,
      responses: [input.responses[0], input.responses[1]],
      verdict: { winner, probabilityA, consistent },
      checkpoint,
      at: Date.now(),
      contentHash,
    } satisfies PromptRecord;
  }

  function admit(input: CollectInput): void {
    const optedOut = input.collect === false;
    const rate = optedOut
      ? 0
      : tenantRate(input.tenant, settings.defaultRate, settings.tenantRates);
    if (!(rate > 0)) {
      observer.skipped(optedOut ? "request_opt_out" : "opted_out");
      return;
    }
    const imageHashes = input.images.map((image) => image.sha256);
    const contentHash = promptContentHash(input.question, imageHashes, input.responses);
    // At a rate of 1 every prompt is in: no second hash to place it.
    if (rate < 1 && samplingPoint(input.tenant, contentHash) >= rate) {
      observer.skipped("not_sampled");
      return;
    }
    observer.sampled();
    keep(toRecord(input, imageHashes, contentHash), input.images);
  }

  function keep(record: PromptRecord, images: readonly ResolvedImage[]): void {
    if (closed) observer.dropped("closed", 1);
    else if (buffer.holds(record.contentHash)) observer.duplicates(1);
    else if (!buffer.push(record, images.map(asCallerSent))) observer.dropped("buffer_full", 1);
    else if (buffer.size() >= settings.maxBatch) scheduleFlush();
  }

  // A full batch is written on the next turn of the event loop, not inside offer(); while
  // writes are failing only the timer retries, so an outage is probed once per interval.
  function scheduleFlush(): void {
    if (flushing || flushSoon || failing) return;
    flushSoon = true;
    setImmediate(() => {
      flushSoon = false;
      if (!flushing) void flush();
    });
  }

  async function writeBatch(): Promise<boolean> {
    const batch = buffer.head(settings.maxBatch);
    try {
      const images = await storeImageBlobs(blobs, buffer.imagesOf(batch));
      const unusable = (h: string) => images.invalid.has(h) || images.refused.has(h);
      const kept = batch.filter((record) => !record.imageHashes.some(unusable));
      const refused = batch.filter((record) =>
        record.imageHashes.some((h) => images.refused.has(h) && !images.invalid.has(h)),
      ).length;
      const result = await log.appendBatch(kept, settings.dedupWindowMs);
      if (abandoned) return false;
      buffer.shift(batch.length);
      if (images.written > 0) observer.imagesStored(images.written);
      if (result.appended > 0) observer.appended(result.appended);
      if (result.duplicates > 0) observer.duplicates(result.duplicates);
      if (refused > 0) observer.dropped("blob_store_full", refused);
      const invalid = batch.length - kept.length - refused;
      if (invalid > 0) observer.dropped("invalid_image", invalid);
      if (failing) logger.info({ recovered: failing }, "prompt collection is writing again");
      failing = null;
      return true;
    } catch (error) {
      if (abandoned) return false;
      // Logged once per cause: an outage of the blob store, then of the prompt log, both show.
      const cause = error instanceof BlobWriteError ? "blob_store" : "prompt_log";
      observer.flushFailed(cause);
      if (failing !== cause) {
        logger.warn(
          { err: error, cause, buffered: buffer.size() },
          "prompt collection write failed",
        );
      }
      failing = cause;
      return false;
    }
  }

  // Bounded to the batches present at the start, so steady offering cannot keep it running.
  async function drain(): Promise<void> {
    let batches = Math.ceil(buffer.size() / settings.maxBatch);
    while (batches-- > 0 && buffer.size() > 0 && !abandoned) {
      if (!(await writeBatch())) return;
    }
  }

  /** Writes what is buffered now; resolves (never rejects) when done or after a failure. */
  async function flush(): Promise<void> {
    while (flushing) await flushing;
    flushing = drain().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  async function shutdown(): Promise<void> {
    closed = true;
    clearInterval(timer);
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(true), settings.closeTimeoutMs ?? 5_000);
    });
    const late = await Promise.race([flush().then(() => false), timedOut]);
    clearTimeout(deadline);
    // Records still here, in flight or not, are lost; a late outcome of an abandoned write is
    // ignored so no record is counted twice.
    abandoned = true;
    const lost = buffer.clear();
    if (lost > 0) {
      observer.dropped("closed", lost);
      logger.warn({ lost, timedOut: late }, "prompt collection closed with records unwritten");
    }
  }

  return {
    /** Considers one judged prompt for collection. Synchronous; never throws. */
    offer(input: CollectInput): void {
      try {
        admit(input);
      } catch (error) {
        observer.dropped("error", 1);
        logger.warn({ err: error }, "prompt collection failed to take a prompt");
      }
    },
    flush,
    /** Stops the timer and writes what is buffered, for at most `closeTimeoutMs`. Idempotent. */
    close(): Promise<void> {
      closing ??= shutdown();
      return closing;
    },
    /** Records waiting to be written (a gauge). */
    buffered: (): number => buffer.size(),
  };
}

export type PromptCollector = ReturnType<typeof createPromptCollector>;
