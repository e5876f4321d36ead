import { peakRssBytes, resetPeakRss, rssBytes } from "../process-usage.ts";
import type { PeakRssResult } from "./bench-results.ts";
import {
  IMAGE_CONCURRENCY,
  IMAGE_TIMEOUT_SECONDS,
  imageRequestBodies,
  PEAK_RSS_CONCURRENCY,
  PEAK_RSS_ID,
} from "./image-scenarios.ts";
import { createTally } from "./load-figures.ts";
import { type Endpoint, runScenario } from "./run-scenario.ts";
import type { Scenario } from "./scenarios.ts";

/** Requests of the peak phase: six rounds of the 16 in flight. */
export const PEAK_RSS_REQUESTS = 6 * PEAK_RSS_CONCURRENCY;
const WARM_UP_REQUESTS = IMAGE_CONCURRENCY;
const SAMPLE_MS = 20;

const peakScenario: Scenario = {
  id: PEAK_RSS_ID,
  label: "peak RSS, 4 photos, swap on",
  server: "image-jurist",
  transport: "http",
  path: "/v1/judge/pairwise",
  connections: PEAK_RSS_CONCURRENCY,
  verdictsPerRequest: 1,
  timeoutSeconds: IMAGE_TIMEOUT_SECONDS,
  body: imageRequestBodies({ images: 4, swap: true }),
};

/**
 * The highest RSS of a fresh process (Jurist or the minimal judge proxy, at `endpoint`) while
 * it serves PEAK_RSS_REQUESTS 4-image swap-on pairwise requests, 16 in flight. A few requests
 * one at a time first (code compiled, connections open), then VmHWM is reset to the RSS of
 * that moment and read after the load; where the reset is refused, the highest of VmRSS
 * samples taken every 20 ms stands in (it can miss a spike shorter than that).
 */
export async function measurePeakRss(endpoint: Endpoint): Promise<PeakRssResult> {
  await runScenario({ ...peakScenario, connections: 1 }, endpoint, createTally(), {
    seconds: 0,
    amount: WARM_UP_REQUESTS,
  });
  const idleBytes = rssBytes(endpoint.pid);
  const reset = resetPeakRss(endpoint.pid);
  let sampledPeakBytes = idleBytes;
  const sampler = setInterval(() => {
    sampledPeakBytes = Math.max(sampledPeakBytes, rssBytes(endpoint.pid));
  }, SAMPLE_MS);
  const tally = createTally();
  try {
    await runScenario(peakScenario, endpoint, tally, { seconds: 0, amount: PEAK_RSS_REQUESTS });
  } finally {
    clearInterval(sampler);
  }
  sampledPeakBytes = Math.max(sampledPeakBytes, rssBytes(endpoint.pid));
  const { ok, failures } = tally.figures();
  return {
    idleBytes,
    peakBytes: reset ? peakRssBytes(endpoint.pid) : sampledPeakBytes,
    sampledPeakBytes,
    method: reset ? "VmHWM" : "sampled",
    requests: ok + Object.values(failures).reduce((sum, n) => sum + n, 0),
    failures,
  };
}
