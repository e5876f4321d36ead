import { csv, intIn, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const images = area(
  "Images",
  "How images given inline (data URIs) or by URL are taken in before judging.",
  {
    images: {
      maxBytes: setting({
        env: "JURIST_IMAGE_MAX_BYTES",
        schema: positiveInt,
        default: 20 * 1024 * 1024,
        doc: "largest image, decoded or fetched, bytes (20 MiB)",
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
