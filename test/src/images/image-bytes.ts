/** Tiny images for tests: enough bytes for the magic-number sniffer, not full decoders. */

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A JFIF header. */
export const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
]);

/** A GIF89a header with a 1×1 screen descriptor. */
export const GIF89A = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1");

/** A GIF87a header. */
export const GIF87A = Buffer.from("GIF87a\x01\x00\x01\x00\x00\x00\x00;", "latin1");

/** A RIFF/WEBP container header with a VP8L chunk tag. */
export const WEBP = Buffer.concat([
  Buffer.from("RIFF", "latin1"),
  Buffer.from([0x1a, 0x00, 0x00, 0x00]),
  Buffer.from("WEBPVP8L", "latin1"),
  Buffer.from([0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00]),
]);

/** `data:<mime>;base64,<bytes>`. */
export function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString("base64")}`;
}
