import { AppError } from "../core/errors.ts";
import type { ImageHeader } from "../core/image-header.ts";

/**
 * How large an image may be, in two tiers. Up to `maxPixels` and `maxEdge` an image is
 * forwarded to the replicas as it came; above them, up to the input ceiling, the gateway
 * resizes it to fit; above the ceiling it is refused before anything is decoded.
 */
export interface ImageBudget {
  /** Largest image forwarded to the replicas, in pixels (width × height). */
  maxPixels: number;
  /** Longest edge forwarded to the replicas, in pixels. */
  maxEdge: number;
  /** Largest image the gateway decodes at all (to resize it), in pixels. */
  maxInputPixels: number;
  /** Longest edge the gateway decodes at all, in pixels. */
  maxInputEdge: number;
}

/** Width and height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** Why an image was refused on its header; the `reason` of its error detail and metric. */
export type HeaderRefusal = "invalid_image_header" | "too_many_pixels" | "edge_too_long";

/**
 * Whether `budget` is coherent: every bound a positive integer and the forwarded bounds
 * within the input ceiling (an image inside the budget but over the ceiling could be
 * neither forwarded nor resized). A problem as text, or undefined.
 */
export function budgetProblem(budget: ImageBudget): string | undefined {
  for (const [name, value] of Object.entries(budget)) {
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer`;
  }
  if (budget.maxPixels > budget.maxInputPixels) return "maxPixels exceeds maxInputPixels";
  if (budget.maxEdge > budget.maxInputEdge) return "maxEdge exceeds maxInputEdge";
  return undefined;
}

function refused(path: string, reason: HeaderRefusal, message: string): AppError {
  const code = reason === "invalid_image_header" ? "UNSUPPORTED_MEDIA" : "IMAGE_TOO_LARGE";
  return new AppError(code, `${path} ${message}`, { details: [{ path, reason }] });
}

/**
 * Checks what a header declares against the input ceiling. Throws UNSUPPORTED_MEDIA
 * (`invalid_image_header`) for an unreadable header or a zero dimension, IMAGE_TOO_LARGE
 * (`too_many_pixels`, `edge_too_long`) over the ceiling; returns the size otherwise.
 */
export function checkDeclaredSize(
  header: ImageHeader | undefined,
  budget: ImageBudget,
  path: string,
): Size {
  if (!header) {
    throw refused(path, "invalid_image_header", "has a missing, cut-short or malformed header");
  }
  const { width, height } = header;
  if (width === 0 || height === 0) {
    throw refused(path, "invalid_image_header", `declares ${width}×${height} pixels`);
  }
  if (Math.max(width, height) > budget.maxInputEdge) {
    throw refused(
      path,
      "edge_too_long",
      `declares ${width}×${height} pixels, an edge over ${budget.maxInputEdge}`,
    );
  }
  if (width * height > budget.maxInputPixels) {
    throw refused(
      path,
      "too_many_pixels",
      `declares ${width}×${height} pixels, more than ${budget.maxInputPixels}`,
    );
  }
  return { width, height };
}

/**
 * The size to resize `size` to so that it fits `maxPixels` and `maxEdge`, keeping the aspect
 * ratio (each edge scaled by one factor, then rounded down, never below 1 pixel); undefined
 * when it already fits and is to be forwarded untouched.
 */
export function fittedSize(size: Size, budget: ImageBudget): Size | undefined {
  const { width, height } = size;
  const longest = Math.max(width, height);
  if (width * height <= budget.maxPixels && longest <= budget.maxEdge) return undefined;
  const scale = Math.min(Math.sqrt(budget.maxPixels / (width * height)), budget.maxEdge / longest);
  // The nudge keeps 9935 × (776 / 9935) = 775.99999… at 776; the bounds are enforced below.
  const scaled = (edge: number) =>
    Math.max(1, Math.min(budget.maxEdge, Math.floor(edge * scale + 1e-9)));
  let fitted = { width: scaled(width), height: scaled(height) };
  // Rounding can land a pixel over the area; take it off the longer edge.
  while (fitted.width * fitted.height > budget.maxPixels) {
    fitted =
      fitted.width >= fitted.height
        ? { ...fitted, width: fitted.width - 1 }
        : { ...fitted, height: fitted.height - 1 };
  }
  return fitted;
}
