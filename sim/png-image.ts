import { crc32, deflateSync } from "node:zlib";

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** What a PNG's IHDR declares (no interlace, default compression and filter method). */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 8 or 16 here. */
  bitDepth: number;
  /** 2 = RGB, 6 = RGBA, 0 = grey. */
  colorType: number;
}

/**
 * A PNG file from its header and its IDAT bytes as given (deflated rows, or anything at all):
 * what tests and benchmarks need to build images a decoder must refuse, or never decode, as
 * well as ordinary ones.
 */
export function pngFile(header: PngHeader, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([header.bitDepth, header.colorType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A real PNG (8-bit RGB, no interlace) of `width`×`height` pixels coloured by `pixel`. Small
 * and dependency-free: the simulated prompts need genuine image files to exercise intake,
 * hashing and blob storage, not pictures anyone looks at.
 */
export function encodePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): Buffer {
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), row + 1 + x * 3);
  }
  return pngFile({ width, height, bitDepth: 8, colorType: 2 }, deflateSync(rows));
}
