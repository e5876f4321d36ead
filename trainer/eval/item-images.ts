import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { sniffImageMime } from "../../src/core/image-magic.ts";
import type { EvalImage, RowRejection } from "./eval-item.ts";

/** An item's images, ready for `EvalItem`. */
export interface ItemImages {
  images: EvalImage[];
  imageSha256s: string[];
}

type Hashed = { sha256: string } | RowRejection;

function hashImageBytes(bytes: Uint8Array, label: string): Hashed {
  if (!sniffImageMime(bytes)) return { reason: `${label} is not a PNG, JPEG, GIF or WebP image` };
  return { sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function hashImageFile(path: string): Promise<Hashed> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { reason: `image file not found: ${path}` };
    return { reason: `cannot read image file ${path}: ${code ?? String(error)}` };
  }
  return hashImageBytes(bytes, `image file ${path}`);
}

/**
 * Reads and hashes item images. Files are read once per load (MMRB items share images) and
 * checked by magic bytes, so a missing or non-image file becomes a malformed row at load time
 * instead of a failed judge call halfway through a run. URLs are kept, not fetched.
 */
export function createImageReader() {
  const files = new Map<string, Promise<Hashed>>();
  const hashFile = (path: string) => {
    let hashed = files.get(path);
    if (!hashed) {
      hashed = hashImageFile(path);
      files.set(path, hashed);
    }
    return hashed;
  };

  /** The images in order, or the first problem found. */
  async function read(sources: readonly EvalImage[]): Promise<ItemImages | RowRejection> {
    const imageSha256s: string[] = [];
    for (const source of sources) {
      if ("url" in source) continue;
      const hashed =
        "path" in source
          ? await hashFile(source.path)
          : hashImageBytes(source.bytes, "image bytes");
      if ("reason" in hashed) return hashed;
      imageSha256s.push(hashed.sha256);
    }
    return { images: [...sources], imageSha256s };
  }

  return { read };
}

export type ImageReader = ReturnType<typeof createImageReader>;
