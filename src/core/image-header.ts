import { type ImageMime, sniffImageMime } from "./image-magic.ts";

/** What an image's header declares, read without decoding a pixel. */
export interface ImageHeader {
  /** Width in pixels the image declares; may be 0 or absurd (the caller judges). */
  width: number;
  /** Height in pixels the image declares. */
  height: number;
  /**
   * True when the pixels were stored lossily (JPEG, or a WebP whose image chunk is `VP8 `):
   * a resized copy may then be stored lossily too without losing what the original had.
   */
  lossy: boolean;
}

// Every reader below bounds each read by the buffer's length and answers undefined for a
// header that is cut short or does not say what its format requires: a signature followed
// by garbage is not an image, whatever its first bytes claim.

/** PNG: the first chunk must be IHDR (13 bytes); width and height are big-endian uint32. */
function pngHeader(bytes: Buffer): ImageHeader | undefined {
  if (bytes.length < 24) return undefined;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString("latin1", 12, 16) !== "IHDR") {
    return undefined;
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), lossy: false };
}

// Start-of-frame markers C0–CF carry the frame's size, except C4 (DHT), C8 (JPG, reserved)
// and CC (DAC), which share the range.
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
// Markers without a length field: TEM, RST0–7, SOI, EOI.
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);

/**
 * JPEG: walks the marker segments after SOI to the first start-of-frame (height then width,
 * big-endian uint16, after the sample precision). A scan (SOS) or the end of the buffer
 * before any SOF means no readable header. A height of 0 (size deferred to a DNL marker,
 * which libjpeg does not support) is returned as such for the caller to refuse.
 */
function jpegHeader(bytes: Buffer): ImageHeader | undefined {
  let at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // a fill byte before the marker
      continue;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || at + 4 > bytes.length) return undefined;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 7 || at + 9 > bytes.length) return undefined;
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7), lossy: true };
    }
    at += 2 + length;
  }
  return undefined;
}

/** Skips a GIF data sub-block chain at `at`; the offset after its terminator, or undefined. */
function skipSubBlocks(bytes: Buffer, at: number): number | undefined {
  let next = at;
  while (next < bytes.length) {
    const size = bytes[next]!;
    next += 1 + size;
    if (size === 0) return next;
  }
  return undefined;
}

/**
 * GIF: the logical screen (little-endian uint16s), grown to cover every frame's image
 * descriptor — decoders differ on frames that overhang the screen, so the larger extent is
 * the one that can cost memory. Blocks are skipped by their length bytes; no LZW is decoded.
 * At least one frame must be readable.
 */
function gifHeader(bytes: Buffer): ImageHeader | undefined {
  if (bytes.length < 13) return undefined;
  let width = bytes.readUInt16LE(6);
  let height = bytes.readUInt16LE(8);
  const flags = bytes[10]!;
  let at: number | undefined = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  let frames = 0;
  while (at !== undefined && at < bytes.length) {
    const block = bytes[at]!;
    if (block === 0x21) {
      at = skipSubBlocks(bytes, at + 2); // extension: introducer, label, sub-blocks
    } else if (block === 0x2c) {
      if (at + 10 > bytes.length) break;
      width = Math.max(width, bytes.readUInt16LE(at + 1) + bytes.readUInt16LE(at + 5));
      height = Math.max(height, bytes.readUInt16LE(at + 3) + bytes.readUInt16LE(at + 7));
      frames++;
      const local = bytes[at + 9]!;
      const tableBytes = local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0;
      // descriptor (10 bytes), local colour table, LZW minimum code size (1), data sub-blocks
      at = skipSubBlocks(bytes, at + 10 + tableBytes + 1);
    } else {
      break; // the trailer (0x3b), or a block that is not one
    }
  }
  return frames > 0 ? { width, height, lossy: false } : undefined;
}

/**
 * Whether an extended WebP's pixels are lossy: the first image chunk after the `VP8X` one says
 * (`VP8 ` lossy, `VP8L` lossless), past `ICCP`, `ALPH` (a lossy image's alpha) and the other
 * chunks by their lengths; an animation's first frame (`ANMF`) holds its image chunk after 16
 * bytes of frame header. False when none is found before the buffer ends: PNG is the copy that
 * loses nothing.
 */
function extendedWebpIsLossy(bytes: Buffer): boolean {
  let at = 12;
  while (at + 8 <= bytes.length) {
    const chunk = bytes.toString("latin1", at, at + 4);
    if (chunk === "VP8 ") return true;
    if (chunk === "VP8L") return false;
    if (chunk === "ANMF") {
      at += 8 + 16; // into the frame: its header, then its chunks
      continue;
    }
    const size = bytes.readUInt32LE(at + 4);
    at += 8 + size + (size & 1); // chunks are padded to an even length
  }
  return false;
}

/**
 * WebP: the first chunk after `RIFF....WEBP` says how to read the size — `VP8X` (extended:
 * 24-bit canvas width−1 and height−1; lossy or not by its image chunk), `VP8L` (lossless:
 * 14-bit width−1 and height−1 after the 0x2f signature) or `VP8 ` (lossy: a key frame's start
 * code, then 14-bit sizes).
 */
function webpHeader(bytes: Buffer): ImageHeader | undefined {
  if (bytes.length < 30) {
    // A lossless header fits in 25 bytes; the other two need 30.
    if (bytes.length < 25 || bytes.toString("latin1", 12, 16) !== "VP8L") return undefined;
  }
  const chunk = bytes.toString("latin1", 12, 16);
  if (chunk === "VP8X") {
    return {
      width: bytes.readUIntLE(24, 3) + 1,
      height: bytes.readUIntLE(27, 3) + 1,
      lossy: extendedWebpIsLossy(bytes),
    };
  }
  if (chunk === "VP8L") {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, lossy: false };
  }
  if (chunk === "VP8 ") {
    const keyFrame = (bytes[20]! & 0x01) === 0;
    if (!keyFrame || bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) {
      return undefined;
    }
    return {
      width: bytes.readUInt16LE(26) & 0x3fff,
      height: bytes.readUInt16LE(28) & 0x3fff,
      lossy: true,
    };
  }
  return undefined;
}

const READERS: Record<ImageMime, (bytes: Buffer) => ImageHeader | undefined> = {
  "image/png": pngHeader,
  "image/jpeg": jpegHeader,
  "image/gif": gifHeader,
  "image/webp": webpHeader,
};

/**
 * The dimensions an image of type `mime` (already sniffed from its magic bytes) declares in
 * its header, read without decoding; undefined when the header is cut short or malformed.
 * Costs a few reads for PNG and WebP, a walk over the segment lengths before the frame for
 * JPEG, and over the block lengths for GIF.
 */
export function readImageHeader(bytes: Buffer, mime: ImageMime): ImageHeader | undefined {
  return READERS[mime](bytes);
}

/**
 * The header of whatever image `bytes` hold, its type sniffed from the magic bytes first:
 * undefined when they are not PNG, JPEG, GIF or WebP, or the header is cut short or malformed.
 * The gateway's image budget and the simulated replica's image tokens read sizes through the
 * same reader, so both agree on an image's size.
 */
export function sniffedImageHeader(bytes: Buffer): ImageHeader | undefined {
  const mime = sniffImageMime(bytes);
  return mime ? readImageHeader(bytes, mime) : undefined;
}
