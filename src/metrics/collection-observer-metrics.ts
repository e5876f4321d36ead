import type { CollectionObserver } from "../collection/collection-observer.ts";
import type { Metrics } from "./metrics.ts";

/** The collector's events as `jurist_collection_prompts_total{event,reason}`. */
export function collectionObserverFor(metrics: Metrics): CollectionObserver {
  const { collection } = metrics;
  return {
    sampled: () => collection.count("sampled", ""),
    skipped: (reason) => collection.count("skipped", reason),
    dropped: (reason, count) => collection.count("dropped", reason, count),
    appended: (count) => collection.count("appended", "", count),
    duplicates: (count) => collection.count("duplicate", "", count),
    imagesStored: (count) => collection.count("image_stored", "", count),
    flushFailed: (cause) => collection.count("flush_failed", cause),
  };
}
