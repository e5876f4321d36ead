import { Counter, Gauge, type Registry } from "prom-client";
import type {
  CollectionDropReason,
  CollectionSkipReason,
  FlushFailureCause,
} from "../collection/collection-observer.ts";

const SKIP_REASONS: readonly CollectionSkipReason[] = [
  "request_opt_out",
  "opted_out",
  "not_sampled",
];
const DROP_REASONS: readonly CollectionDropReason[] = [
  "buffer_full",
  "invalid_image",
  "blob_store_full",
  "closed",
  "error",
];
/** Events without a reason (see `collectionObserverFor`). */
const PLAIN_EVENTS = ["sampled", "appended", "duplicate", "image_stored"];
const FLUSH_FAILURE_CAUSES: readonly FlushFailureCause[] = ["blob_store", "prompt_log"];

/**
 * Prompt collection: what became of each offered prompt (sampled, skipped, deduplicated,
 * appended, dropped — every event and reason starts at 0), what waits in the buffer and how
 * long the prompt log (the trainer's stream) is.
 */
export function createCollectionMetrics(registers: Registry[]) {
  const events = new Counter({
    name: "jurist_collection_prompts_total",
    help: "Prompts offered to collection, by what became of them",
    labelNames: ["event", "reason"],
    registers,
  });
  for (const event of PLAIN_EVENTS) events.inc({ event, reason: "" }, 0);
  for (const reason of SKIP_REASONS) events.inc({ event: "skipped", reason }, 0);
  for (const reason of DROP_REASONS) events.inc({ event: "dropped", reason }, 0);
  for (const reason of FLUSH_FAILURE_CAUSES) events.inc({ event: "flush_failed", reason }, 0);
  let buffered: () => number = () => 0;
  let logLength: () => Promise<number> = async () => 0;
  new Gauge({
    name: "jurist_collection_buffered",
    help: "Sampled prompts waiting to be written to the prompt log",
    registers,
    collect() {
      this.set(buffered());
    },
  });
  new Gauge({
    name: "jurist_prompt_log_length",
    help: "Records in the prompt log (the trainer's stream)",
    registers,
    async collect() {
      // An unreachable store must not fail the scrape: the gauge just keeps its last value.
      await logLength().then(
        (length) => this.set(length),
        () => {},
      );
    },
  });
  return {
    /** Counts `count` prompts that reached `event` (sampled, skipped, appended, …). */
    count(event: string, reason: string, count = 1): void {
      events.inc({ event, reason }, count);
    },
    /** Makes the gauges read the collector's buffer and the log's length on every scrape. */
    observe(sources: { buffered: () => number; logLength: () => Promise<number> }): void {
      buffered = sources.buffered;
      logLength = sources.logLength;
    },
  };
}
