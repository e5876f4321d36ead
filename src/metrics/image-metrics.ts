import type { Registry } from "prom-client";
import { IMAGE_REFUSALS, type ImageRefusal } from "../images/image-observer.ts";
import { counter, zeroed } from "./labelled-metrics.ts";

type ResizedFormat = "png" | "jpeg";

/**
 * The image budget: images the gateway resized to fit the replicas (by the format it
 * forwarded) and images it refused by their header or undecodable pixels (by reason).
 */
export function createImageMetrics(registers: Registry[]) {
  return {
    resized: zeroed(
      counter<{ format: ResizedFormat }>({
        name: "jurist_images_resized_total",
        help: "Images over the image budget resized by the gateway, by the format forwarded",
        labelNames: ["format"],
        registers,
      }),
      [{ format: "png" }, { format: "jpeg" }],
    ),
    refused: zeroed(
      counter<{ reason: ImageRefusal }>({
        name: "jurist_images_refused_total",
        help: "Images refused by their header (unreadable, over the input ceiling) or undecodable pixels, by reason",
        labelNames: ["reason"],
        registers,
      }),
      IMAGE_REFUSALS.map((reason) => ({ reason })),
    ),
  };
}
