import { createHash } from "node:crypto";

/** Tiny real images for tests: the sniffer reads their magic, the intake their declared size. */

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A real 1×1 JPEG (made with sharp): a header the intake can read the size from. */
export const JPEG = Buffer.from(
  "/9j/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABwj/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCBADJcb//Z",
  "base64",
);

/** A real 1×1 GIF89a (made with sharp): screen descriptor, colour table, one frame. */
export const GIF89A = Buffer.from(
  "R0lGODlhAQABAIAAAExpccgeHiH5BAUAAAAALAAAAAABAAEAAAICTAEAOw==",
  "base64",
);

/** The same GIF labelled GIF87a. */
export const GIF87A = Buffer.concat([Buffer.from("GIF87a", "latin1"), GIF89A.subarray(6)]);

/** A real 1×1 lossless WebP (RIFF/WEBP with a VP8L chunk, made with sharp). */
export const WEBP = Buffer.from("UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAdQjyLXo/+BiOh/AAA=", "base64");

/** `data:<mime>;base64,<bytes>`. */
export function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** The hex SHA-256 of `bytes`: what the intake keys an image by. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What the intake resolves data URIs of `images` to when it forwards each as it came. */
export function resolvedAsSent(images: readonly (readonly [string, Uint8Array])[]) {
  return images.map(([mime, bytes]) => ({
    sha256: sha256(bytes),
    mime,
    dataUri: dataUri(mime, bytes),
    byteLength: bytes.length,
  }));
}
