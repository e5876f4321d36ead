import type { Test } from "tap";
import type {
  CollectionDropReason,
  CollectionObserver,
  CollectionSkipReason,
} from "../../../src/collection/collection-observer.ts";
import type { CollectInput } from "../../../src/collection/prompt-collector.ts";
import type { ResolvedImage } from "../../../src/core/types.ts";
import { sha256Hex } from "../../../src/store/blob-hash.ts";

/** A resolved image of `bytes` (mime is not checked by the collector). */
export function resolvedImage(bytes: Buffer): ResolvedImage {
  return {
    sha256: sha256Hex(bytes),
    mime: "image/png",
    dataUri: `data:image/png;base64,${bytes.toString("base64")}`,
    byteLength: bytes.length,
  };
}

/** A judged prompt; distinct `index` → distinct content. */
export function collectInput(index: number, overrides: Partial<CollectInput> = {}): CollectInput {
  return {
    tenant: "acme",
    question: `What is in picture ${index}?`,
    images: [],
    responses: ["A cat.", "A dog."],
    verdict: { winner: "A", probabilityA: 0.8, consistent: true, checkpoint: "judge-base" },
    ...overrides,
  };
}

/** An observer that counts every event, for exact accounting. */
export function countingObserver() {
  const counts = {
    sampled: 0,
    skipped: {} as Partial<Record<CollectionSkipReason, number>>,
    dropped: {} as Partial<Record<CollectionDropReason, number>>,
    appended: 0,
    duplicates: 0,
    imagesStored: 0,
    flushFailed: 0,
    flushFailedBy: {} as Record<string, number>,
  };
  const observer: CollectionObserver = {
    sampled() {
      counts.sampled++;
    },
    skipped(reason) {
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
    },
    dropped(reason, n) {
      counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n;
    },
    appended(n) {
      counts.appended += n;
    },
    duplicates(n) {
      counts.duplicates += n;
    },
    imagesStored(n) {
      counts.imagesStored += n;
    },
    flushFailed(cause) {
      counts.flushFailed++;
      counts.flushFailedBy[cause] = (counts.flushFailedBy[cause] ?? 0) + 1;
    },
  };
  const droppedTotal = () => Object.values(counts.dropped).reduce((sum, n) => sum + n, 0);
  return { observer, counts, droppedTotal };
}

/** Fails the test on any unhandled rejection while it runs. */
export function failOnUnhandledRejection(t: Test): void {
  const listener = (reason: unknown) => t.fail(`unhandled rejection: ${String(reason)}`);
  process.on("unhandledRejection", listener);
  t.teardown(() => {
    process.off("unhandledRejection", listener);
  });
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
