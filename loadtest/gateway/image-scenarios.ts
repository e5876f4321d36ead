import { imageChatBodies, imagePairwiseBodies } from "./image-payloads.ts";
import type { Scenario } from "./scenarios.ts";

/**
 * Concurrency of the image scenarios. A verdict costs a server milliseconds to tens of
 * milliseconds of one event loop, so a few requests in flight already keep it busy; eight
 * keep it so while the load generator (building a 0.6–2.5 MB body per request) and the
 * replica share the other core, with latencies of tens of milliseconds rather than the
 * seconds of queueing more would add without telling more about CPU per verdict.
 */
export const IMAGE_CONCURRENCY = 8;
/** The peak RSS phase: 16 concurrent 4-image swap-on requests on a fresh process (issue 21). */
export const PEAK_RSS_CONCURRENCY = 16;
export const PEAK_RSS_ID = `images-4-swap-on-peak-rss-c${PEAK_RSS_CONCURRENCY}`;
/**
 * Seconds an image request may take: on two shared cores at a high load average, 16 4-photo
 * requests queued on one event loop took over autocannon's default 10 s (a failure, and one
 * fewer request in flight for the peak).
 */
export const IMAGE_TIMEOUT_SECONDS = 60;

const PAIRWISE_PATH = "/v1/judge/pairwise";
const CHAT_PATH = "/v1/chat/completions";

/** One payload: how many photos and whether both orders are judged. */
export interface ImagePayload {
  images: 1 | 4;
  swap: boolean;
}

const PAYLOADS: readonly ImagePayload[] = [
  { images: 1, swap: false },
  { images: 1, swap: true },
  { images: 4, swap: false },
  { images: 4, swap: true },
];

const tag = ({ images, swap }: ImagePayload) => `images-${images}-swap-${swap ? "on" : "off"}`;
const describe = ({ images, swap }: ImagePayload) =>
  `${images} photo${images > 1 ? "s" : ""} (${images === 1 ? "~626 KiB" : "~2.4 MiB"} body), swap ${swap ? "on" : "off"}`;

/** Jurist's image scenario for `payload` at `connections` (the id the targets read). */
export function imageScenarioId(payload: ImagePayload, connections = IMAGE_CONCURRENCY): string {
  return `${tag(payload)}-c${connections}`;
}
export const judgeProxyId = (payload: ImagePayload) => `judge-proxy-${imageScenarioId(payload)}`;
export const passThroughId = (payload: ImagePayload) => `pass-through-${imageScenarioId(payload)}`;

/** The body of Jurist's (and the minimal judge proxy's) request `index` for `payload`. */
export function imageRequestBodies(payload: ImagePayload) {
  return imagePairwiseBodies(payload.images, payload.swap);
}

/**
 * Per payload, in the order each round runs them: the byte pass-through forwarding the chat
 * body (twice with swap on: the physical floor), the minimal judge proxy, then Jurist; then
 * one photo with collection off and on at 100% (Redis-backed gateways, swap off).
 */
export function imageScenarios(model: string): Scenario[] {
  const base = (payload: ImagePayload) => ({
    transport: "http" as const,
    connections: IMAGE_CONCURRENCY,
    verdictsPerRequest: 1,
    images: payload.images,
    timeoutSeconds: IMAGE_TIMEOUT_SECONDS,
  });
  const forPayload = (payload: ImagePayload): Scenario[] => [
    {
      ...base(payload),
      id: passThroughId(payload),
      label: `pass-through proxy, chat body with ${describe(payload)}`,
      server: "image-proxy",
      path: CHAT_PATH,
      body: imageChatBodies(payload.images, model),
      ...(payload.swap ? { headers: { "x-forward-count": "2" } } : {}),
    },
    {
      ...base(payload),
      id: judgeProxyId(payload),
      label: `minimal judge proxy, ${describe(payload)}`,
      server: "judge-proxy",
      path: PAIRWISE_PATH,
      body: imageRequestBodies(payload),
    },
    {
      ...base(payload),
      id: imageScenarioId(payload),
      label: `pairwise, ${describe(payload)}, fast`,
      server: "image-jurist",
      path: PAIRWISE_PATH,
      body: imageRequestBodies(payload),
      judgeProxy: judgeProxyId(payload),
      passThrough: passThroughId(payload),
    },
  ];
  const onePhoto: ImagePayload = { images: 1, swap: false };
  const collection = (on: boolean): Scenario => ({
    ...forPayload(onePhoto)[2]!,
    id: `images-collection-${on ? "on" : "off"}-${imageScenarioId(onePhoto)}`,
    label: `pairwise, ${describe(onePhoto)}, fast; Redis, collection ${on ? "on at 100%" : "off"}`,
    server: on ? "image-jurist-collecting" : "image-jurist-redis",
  });
  return [...PAYLOADS.flatMap(forPayload), collection(false), collection(true)];
}
