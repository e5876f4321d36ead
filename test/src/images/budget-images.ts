import sharp from "sharp";
import { pngFile } from "../../../sim/png-image.ts";
import type { ImageMime } from "../../../src/core/image-magic.ts";

/** Images for the image budget's tests: real ones encoded by sharp, and forged headers. */

export type Format = "png" | "jpeg" | "gif" | "webp";

/**
 * A real image of `width`×`height` encoded by sharp: a diagonal gradient, so a resize has
 * something to keep and a lossy encoder something to compress.
 */
export async function encodedImage(format: Format, width: number, height: number) {
  const gradient = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      gradient[at] = (x * 255) / width;
      gradient[at + 1] = (y * 255) / height;
      gradient[at + 2] = 128;
    }
  }
  const image = sharp(gradient, { raw: { width, height, channels: 3 } });
  if (format === "jpeg") return image.jpeg({ quality: 85 }).toBuffer();
  if (format === "webp") return image.webp({ lossless: true }).toBuffer();
  if (format === "gif") return image.gif().toBuffer();
  return image.png().toBuffer();
}

/** Width and height as libvips reads them from `bytes` (a header read, no decode). */
export async function sizeOf(bytes: Buffer): Promise<[number | undefined, number | undefined]> {
  const { width, height } = await sharp(bytes).metadata();
  return [width, height];
}

const SIGNATURES: Record<ImageMime, Buffer> = {
  "image/png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": Buffer.from([0xff, 0xd8, 0xff]),
  "image/gif": Buffer.from("GIF89a", "latin1"),
  "image/webp": Buffer.concat([
    Buffer.from("RIFF", "latin1"),
    Buffer.from([0x40, 0, 0, 0]),
    Buffer.from("WEBP", "latin1"),
  ]),
};

/** A format's magic bytes followed by `garbage` bytes of noise (fixed, not random). */
export function withSignature(mime: ImageMime, garbage: number): Buffer {
  const noise = Buffer.alloc(garbage);
  for (let i = 0; i < garbage; i++) noise[i] = (i * 97 + 13) & 0xff;
  return Buffer.concat([SIGNATURES[mime], noise]);
}

/** A PNG whose IHDR declares `width`×`height` (8-bit RGB), with no pixel data to speak of. */
export function absurdPng(width: number, height: number): Buffer {
  const emptyDeflate = Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  return pngFile({ width, height, bitDepth: 8, colorType: 2 }, emptyDeflate);
}

/** A GIF whose logical screen is `width`×`height`, with one frame (the screen's size by default). */
export function absurdGif(
  width: number,
  height: number,
  options: { frame?: [number, number] } = {},
): Buffer {
  const [frameWidth, frameHeight] = options.frame ?? [width, height];
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(frameWidth, 5);
  descriptor.writeUInt16LE(frameHeight, 7);
  return Buffer.concat([
    Buffer.from("GIF89a", "latin1"),
    screen,
    descriptor,
    Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00]), // LZW code size, one sub-block, terminator
    Buffer.from([0x3b]),
  ]);
}

/** A baseline JPEG whose SOF0 declares `width`×`height` (3 components), after an APP0. */
export function absurdJpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([
    0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01,
  ]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

/** An extended WebP (VP8X) whose canvas is `width`×`height` (each at most 2^24). */
export function absurdWebp(width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write("VP8X", 0, "latin1");
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(width - 1, 12, 3);
  vp8x.writeUIntLE(height - 1, 15, 3);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(4 + vp8x.length);
  return Buffer.concat([Buffer.from("RIFF", "latin1"), size, Buffer.from("WEBP", "latin1"), vp8x]);
}
