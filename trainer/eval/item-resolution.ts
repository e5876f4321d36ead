import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ResolvedImage } from "../../src/core/types.ts";
import { sniffImageMime } from "../../src/images/image-magic.ts";
import type { EvalImage, EvalItem } from "./eval-item.ts";

/** Why an item is not judged at all; it is counted and listed, never silently dropped. */
export interface ItemSkip {
  skipped: string;
}

/** The reason recorded for an item with an image URL. */
export const URL_NOT_FETCHED = "image URL not fetched";

function resolveBytes(bytes: Uint8Array, label: string): ResolvedImage {
  const mime = sniffImageMime(bytes);
  if (!mime) throw new Error(`${label} is not a PNG, JPEG, GIF or WebP image`);
  return {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    mime,
    dataUri: `data:${mime};base64,${Buffer.from(bytes).toString("base64")}`,
    byteLength: bytes.length,
  };
}

async function resolveImage(image: Exclude<EvalImage, { url: string }>): Promise<ResolvedImage> {
  if ("bytes" in image) return resolveBytes(image.bytes, "inline image bytes");
  return resolveBytes(await readFile(image.path), `image file ${image.path}`);
}

/**
 * An item's images as the engine takes them. URL images are not fetched: an evaluation must
 * judge the same bytes every run, and a benchmark image that changed or vanished upstream
 * would silently change the benchmark, so such an item is skipped instead. Files are read
 * here, per item, rather than held from load time, so a run's memory stays bounded by its
 * concurrency; a file that disappeared since loading throws.
 */
export async function resolveItemImages(item: EvalItem): Promise<ResolvedImage[] | ItemSkip> {
  const local: Exclude<EvalImage, { url: string }>[] = [];
  for (const image of item.images) {
    if ("url" in image) return { skipped: URL_NOT_FETCHED };
    local.push(image);
  }
  return Promise.all(local.map(resolveImage));
}

/**
 * The caller's A and B as the file stores them: the judge runs both orders anyway, and
 * keeping the stored order makes its first prompt the one the benchmark's own protocol
 * shows (MMRB: Output1 is always A).
 */
export function storedResponses(item: EvalItem): [string, string] {
  return item.firstIsChosen ? [item.chosen, item.rejected] : [item.rejected, item.chosen];
}
