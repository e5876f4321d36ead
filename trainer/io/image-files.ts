import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AppError } from "../../src/core/errors.ts";
import { sniffImageMime } from "../../src/core/image-magic.ts";
import type { ResolvedImage } from "../../src/core/types.ts";
import { fitToBudget } from "../../src/images/budgeted-image.ts";
import type { ImageBudget } from "../../src/images/image-budget.ts";

/**
 * The SHA-256 of an image file's bytes as they are: the image's identity (seed prompt ids,
 * the contamination guard), whatever size the replicas are later sent. Throws on a file that
 * is not PNG, JPEG, GIF or WebP (by magic bytes, never by extension).
 */
export async function imageFileSha256(path: string): Promise<string> {
  const bytes = await readFile(path);
  if (!sniffImageMime(bytes)) throw new Error(`${path} is not a PNG, JPEG, GIF or WebP image`);
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Loads every image of a prompt, in order, as the replicas get them: fitted to `budget`
 * exactly as the gateway fits a request's images (`fitToBudget`), so a 12-megapixel seed
 * photo reaches a replica as the same resized copy serving would send, never as ~15k image
 * tokens. Each keeps the SHA-256 of the file's own bytes. Rejects when a file cannot be read
 * (a missing one as a refusal, `image_missing`), or with the budget's refusal (`budgetRefusal` names it) for a file that is not an image,
 * declares an absurd size or does not decode.
 */
export async function loadImages(
  paths: readonly string[],
  budget: ImageBudget,
): Promise<ResolvedImage[]> {
  const files = await Promise.all(
    paths.map(async (path) => ({ bytes: await readImageFile(path), label: path })),
  );
  return fitToBudget(files, budget);
}

/**
 * A blob that vanished after intake (a file blob store's TTL swept it, an operator deleted it)
 * is refused like an image the budget refuses (`image_missing`): the stages skip that prompt
 * with the reason, where an ENOENT would fail the iteration on every retry.
 */
async function readImageFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== "ENOENT") throw error;
    throw new AppError("UNSUPPORTED_MEDIA", `${path} is gone (expired or deleted)`, {
      details: [{ path, reason: "image_missing" }],
      cause: error,
    });
  }
}
