import { request } from "undici";

/** The highest per-class admission gauges a gateway showed while sampling. */
export interface AdmissionPeaks {
  /** Most batch-class engine calls in flight at once (`jurist_admission_in_flight`). */
  batchInFlight: number;
  /** Most batch-class calls queued for a slot at once (`jurist_admission_waiting`). */
  batchWaiting: number;
  samples: number;
}

const GAUGE = /^jurist_admission_(in_flight|waiting)\{class="batch"\} (\d+)/gm;

/**
 * Scrapes the gateway's `/metrics` every `intervalMs` until `stop` aborts and keeps the peaks,
 * so the table can say how many slots batch work actually held.
 */
export async function sampleAdmission(
  gateway: string,
  intervalMs: number,
  stop: AbortSignal,
): Promise<AdmissionPeaks> {
  const peaks: AdmissionPeaks = { batchInFlight: 0, batchWaiting: 0, samples: 0 };
  while (!stop.aborted) {
    const text = await (await request(`${gateway}/metrics`)).body.text();
    for (const [, gauge, value] of text.matchAll(GAUGE)) {
      if (gauge === "in_flight") peaks.batchInFlight = Math.max(peaks.batchInFlight, Number(value));
      else peaks.batchWaiting = Math.max(peaks.batchWaiting, Number(value));
    }
    peaks.samples += 1;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return peaks;
}

/** Calls admitted after waiting for a slot so far, and their total wait, per class. */
export type AdmissionWaits = Record<"interactive" | "batch", { count: number; seconds: number }>;

const WAITS = /^jurist_admission_wait_seconds_(count|sum)\{class="(interactive|batch)"\} (\S+)/gm;

/** `jurist_admission_wait_seconds` count and sum per class, from the gateway's `/metrics`. */
export async function admissionWaits(gateway: string): Promise<AdmissionWaits> {
  const waits: AdmissionWaits = {
    interactive: { count: 0, seconds: 0 },
    batch: { count: 0, seconds: 0 },
  };
  const text = await (await request(`${gateway}/metrics`)).body.text();
  for (const [, part, priority, value] of text.matchAll(WAITS)) {
    const entry = waits[priority as keyof AdmissionWaits];
    if (part === "count") entry.count = Number(value);
    else entry.seconds = Number(value);
  }
  return waits;
}
