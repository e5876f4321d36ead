import type { HeaderRefusal } from "./image-budget.ts";

/** Why the intake refused an image by what it is (not how it was sent): the metric's reason. */
export type ImageRefusal = HeaderRefusal | "undecodable_image";

/** Every refusal reason: what the intake counts and the metric shows, even at zero. */
export const IMAGE_REFUSALS: readonly ImageRefusal[] = [
  "invalid_image_header",
  "too_many_pixels",
  "edge_too_long",
  "undecodable_image",
];

/**
 * Where the image intake reports what the image budget did (metrics). Features never import
 * `src/metrics`; the runtime hands in an implementation.
 */
export interface ImageObserver {
  /** An image over the budget was resized; `mime` is the type it was forwarded as. */
  resized(mime: "image/png" | "image/jpeg"): void;
  /** An image was refused by its header or because its pixels would not decode. */
  refused(reason: ImageRefusal): void;
}

/** An observer that ignores everything, for callers without metrics. */
export const NO_IMAGE_OBSERVER: ImageObserver = {
  resized() {},
  refused() {},
};
