import type { ResolvedImage } from "./types.ts";

/** The image types Jurist forwards to the engine. */
export type ImageMime = ResolvedImage["mime"];

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87A = [0x47, 0x49, 0x46, 0x38, 0x37, 0x61];
const GIF89A = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

// A byte past the end reads as undefined, which equals no signature byte, so a short input is
// refused without a separate length check.
function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

/**
 * The image type of `bytes` by their magic number alone; declared types (data URI label,
 * Content-Type) are never trusted. Returns undefined for anything that is not PNG, JPEG,
 * GIF (87a/89a) or WebP (`RIFF....WEBP`).
 */
export function sniffImageMime(bytes: Uint8Array): ImageMime | undefined {
  if (startsWith(bytes, PNG)) return "image/png";
  if (startsWith(bytes, JPEG)) return "image/jpeg";
  if (startsWith(bytes, GIF87A) || startsWith(bytes, GIF89A)) return "image/gif";
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return "image/webp";
  return undefined;
}
