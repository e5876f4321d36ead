import type { ImageObserver } from "../images/image-observer.ts";
import type { Metrics } from "./metrics.ts";

/** The image intake's events as `jurist_images_resized_total` and `jurist_images_refused_total`. */
export function imageObserverFor(metrics: Metrics): ImageObserver {
  const { images } = metrics;
  return {
    resized: (mime) => images.resized.inc({ format: mime === "image/png" ? "png" : "jpeg" }),
    refused: (reason) => images.refused.inc({ reason }),
  };
}
