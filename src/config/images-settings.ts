import { csv, intIn, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

/** The default of JURIST_IMAGE_MAX_BYTES; the default body limit is derived from it. */
export const DEFAULT_IMAGE_MAX_BYTES = 20 * 1024 * 1024;

export const images = area(
  "Images",
  "How images given inline (data URIs) or by URL are taken in before judging.",
  {
    images: {
      maxBytes: setting({
        env: "JURIST_IMAGE_MAX_BYTES",
        schema: positiveInt,
        default: DEFAULT_IMAGE_MAX_BYTES,
        doc: "largest image, decoded or fetched, bytes (20 MiB); the default `JURIST_BODY_LIMIT_BYTES` is derived from it: raise both together",
      }),
      // The image budget (src/images/image-budget.ts; why these defaults: DEFAULT_IMAGE_BUDGET
      // in src/images/image-intake.ts, docs/deployment.md for matching them to the replicas).
      maxPixels: setting({
        env: "JURIST_IMAGE_MAX_PIXELS",
        schema: positiveInt,
        default: 28 * 28 * 1280,
        doc: "largest image forwarded to the replicas, pixels (width × height; 28·28·1280, Qwen2-VL's 1,280 visual tokens); larger ones are resized by the gateway, keeping the aspect ratio; at most `JURIST_IMAGE_MAX_INPUT_PIXELS`",
      }),
      maxEdge: setting({
        env: "JURIST_IMAGE_MAX_EDGE",
        schema: positiveInt,
        default: 16_384,
        doc: "longest edge forwarded to the replicas, pixels; longer ones are resized; the default bounds nothing the ceiling does not (Qwen2-VL processors count pixels, not edges); at most `JURIST_IMAGE_MAX_INPUT_EDGE`",
      }),
      maxInputPixels: setting({
        env: "JURIST_IMAGE_MAX_INPUT_PIXELS",
        schema: positiveInt,
        default: 50_000_000,
        doc: "largest image the gateway decodes at all, pixels, as its header declares it; larger → `413 IMAGE_TOO_LARGE` before decoding. 50 MP: the largest phone photos (48 MP) pass, a 10000×10000 image (300 MB of pixels once inflated) does not; a resize holds up to 4 bytes a pixel, counted in `JURIST_INFLIGHT_BYTES_BUDGET`",
      }),
      maxInputEdge: setting({
        env: "JURIST_IMAGE_MAX_INPUT_EDGE",
        schema: positiveInt,
        default: 16_384,
        doc: "longest edge the gateway decodes at all, pixels, as the header declares it; longer → `413 IMAGE_TOO_LARGE` before decoding",
      }),
      resizeConcurrency: setting({
        env: "JURIST_IMAGE_RESIZE_CONCURRENCY",
        schema: intIn(1, 64),
        default: 2,
        doc: "images over the budget resized at once per gateway, across requests (1–64); the others wait, and give up with their request's deadline or disconnect. Each resize holds one libuv threadpool thread, which `dns.lookup` (image URLs, `dns+http://` replicas) and file access share: keep it below `UV_THREADPOOL_SIZE` (4 unless set)",
      }),
      fetchTimeoutMs: setting({
        env: "JURIST_IMAGE_FETCH_TIMEOUT_MS",
        schema: positiveInt,
        default: 10_000,
        doc: "timeout for fetching one image URL, ms",
      }),
      maxRedirects: setting({
        env: "JURIST_IMAGE_MAX_REDIRECTS",
        schema: intIn(0, 10),
        default: 3,
        doc: "redirects followed per image URL (0–10)",
      }),
      allow: setting({
        env: "JURIST_IMAGE_FETCH_ALLOW",
        schema: csv,
        default: [],
        doc: "IPs or CIDRs (comma-separated) image URLs may resolve to although loopback or private",
      }),
    },
  },
);
