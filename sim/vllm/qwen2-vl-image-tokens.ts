/** An image's width and height in pixels, as its header declares them. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * How many prompt tokens a Qwen2-VL-family model (Qwen2-VL, Qwen2.5-VL) spends on an image,
 * following transformers' `smart_resize`
 * (transformers/models/qwen2_vl/image_processing_qwen2_vl.py) with Qwen2.5-VL-7B-Instruct's
 * preprocessor_config.json (patch_size 14, merge_size 2, min_pixels 3136, max_pixels
 * 12845056): both sides rounded to multiples of 28 and the area clamped to the pixel bounds,
 * then one token per 28×28 cell. The chat template adds `<|vision_start|>` and
 * `<|vision_end|>` around them.
 */
export const QWEN2_VL_FACTOR = 28;
export const QWEN2_VL_MIN_PIXELS = 3136;
export const QWEN2_VL_MAX_PIXELS = 12_845_056;

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The size the processor resizes to; throws on an aspect ratio over 200, as smart_resize does. */
export function smartResize(
  { width, height }: ImageSize,
  factor = QWEN2_VL_FACTOR,
  minPixels = QWEN2_VL_MIN_PIXELS,
  maxPixels = QWEN2_VL_MAX_PIXELS,
): ImageSize {
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new Error(
      `absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`,
    );
  }
  let h = roundHalfEven(height / factor) * factor;
  let w = roundHalfEven(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

/** Image pad tokens for one image: (h / 28) · (w / 28). */
export function qwen2VlImageTokens(size: ImageSize): number {
  const resized = smartResize(size);
  return (resized.height / QWEN2_VL_FACTOR) * (resized.width / QWEN2_VL_FACTOR);
}
