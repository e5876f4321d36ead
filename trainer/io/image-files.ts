import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ResolvedImage } from "../../src/core/types.ts";
import { sniffImageMime } from "../../src/images/image-magic.ts";

/**
 * Reads an image file as the engine receives it: type by magic bytes (never by extension),
 * SHA-256 of the bytes, a data URI. Throws on a file that is not PNG, JPEG, GIF or WebP.
 */
export async function loadImageFile(path: string): Promise<ResolvedImage> {
  const bytes = await readFile(path);
  const mime = sniffImageMime(bytes);
  if (!mime) throw new Error(`${path} is not a PNG, JPEG, GIF or WebP image`);
  return {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    mime,
    dataUri: `data:${mime};base64,${bytes.toString("base64")}`,
    byteLength: bytes.length,
  };
}

/** Loads every image of a prompt, in order. */
export function loadImages(paths: readonly string[]): Promise<ResolvedImage[]> {
  return Promise.all(paths.map(loadImageFile));
}
