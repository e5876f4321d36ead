import { readFile } from "node:fs/promises";
import type { ResolvedImage } from "../../src/core/types.ts";
import { budgetRefusal, fitToBudget, type LabelledImage } from "../../src/images/budgeted-image.ts";
import type { ImageBudget } from "../../src/images/image-budget.ts";
import type { EvalImage, EvalItem } from "./eval-item.ts";

/** Why an item is not judged at all; it is counted and listed, never silently dropped. */
export interface ItemSkip {
  skipped: string;
}

/** The reason recorded for an item with an image URL. */
export const URL_NOT_FETCHED = "image URL not fetched";

/** The start of the reason recorded for an item whose image the image budget refuses. */
export const IMAGE_REFUSED = "image refused by the image budget";

async function readImage(image: Exclude<EvalImage, { url: string }>): Promise<LabelledImage> {
  if ("bytes" in image) {
    const { buffer, byteOffset, byteLength } = image.bytes;
    return { bytes: Buffer.from(buffer, byteOffset, byteLength), label: "inline image bytes" };
  }
  return { bytes: await readFile(image.path), label: `image file ${image.path}` };
}

/**
 * An item's images as the engine takes them: fitted to `budget` exactly as serving fits a
 * request's images (`fitToBudget`), so a checkpoint is evaluated on the pixels it would judge
 * in production, each image keeping the SHA-256 of its own bytes. URL images are not
 * fetched: an evaluation must judge the same bytes every run, and a benchmark image that
 * changed or vanished upstream would silently change the benchmark, so such an item is
 * skipped instead. An image the budget refuses (not an image, an absurd declared size,
 * pixels that do not decode) is refused the same every run, so its item is skipped too, with
 * the refusal as the reason. Files are read here, per item, rather than held from load time,
 * so a run's memory stays bounded by its concurrency; a file that disappeared since loading
 * throws.
 */
export async function resolveItemImages(
  item: EvalItem,
  budget: ImageBudget,
): Promise<ResolvedImage[] | ItemSkip> {
  const local: Exclude<EvalImage, { url: string }>[] = [];
  for (const image of item.images) {
    if ("url" in image) return { skipped: URL_NOT_FETCHED };
    local.push(image);
  }
  const images = await Promise.all(local.map(readImage));
  try {
    return await fitToBudget(images, budget);
  } catch (error) {
    const refusal = budgetRefusal(error);
    if (!refusal) throw error;
    return { skipped: `${IMAGE_REFUSED} (${refusal}): ${(error as Error).message}` };
  }
}

/**
 * The caller's A and B as the file stores them: the judge runs both orders anyway, and
 * keeping the stored order makes its first prompt the one the benchmark's own protocol
 * shows (MMRB: Output1 is always A).
 */
export function storedResponses(item: EvalItem): [string, string] {
  return item.firstIsChosen ? [item.chosen, item.rejected] : [item.rejected, item.chosen];
}
