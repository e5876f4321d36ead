import fc from "fast-check";
import t from "tap";
import { readImageHeader, sniffedImageHeader } from "../../../src/core/image-header.ts";
import { type ImageMime, sniffImageMime } from "../../../src/core/image-magic.ts";
import {
  absurdGif,
  absurdJpeg,
  absurdPng,
  absurdWebp,
  encodedImage,
  withSignature,
} from "../images/budget-images.ts";

const FORMATS = ["png", "jpeg", "gif", "webp"] as const;
const MIME: Record<(typeof FORMATS)[number], ImageMime> = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

t.test("reads what absurd headers declare, without decoding", async (t) => {
  t.match(readImageHeader(absurdPng(2 ** 31 - 1, 2 ** 31 - 1), "image/png"), {
    width: 2 ** 31 - 1,
    height: 2 ** 31 - 1,
  });
  t.match(readImageHeader(absurdGif(65535, 65535), "image/gif"), { width: 65535, height: 65535 });
  t.match(readImageHeader(absurdJpeg(65535, 65535), "image/jpeg"), {
    width: 65535,
    height: 65535,
  });
  t.match(readImageHeader(absurdWebp(2 ** 24, 2 ** 24), "image/webp"), {
    width: 2 ** 24,
    height: 2 ** 24,
  });
  t.match(readImageHeader(absurdPng(0, 10), "image/png"), { width: 0, height: 10 });
});

t.test("a GIF frame larger than its logical screen counts at the frame's extent", async (t) => {
  t.match(readImageHeader(absurdGif(1, 1, { frame: [65535, 65535] }), "image/gif"), {
    width: 65535,
    height: 65535,
  });
});

t.test("a cut-short or malformed header reads as nothing, never as a size", async (t) => {
  for (const format of FORMATS) {
    const bytes = await encodedImage(format, 64, 48);
    const mime = MIME[format];
    // Cut before the size: every prefix up to where the size ends is unreadable.
    for (const cut of [sniffLength(mime), 12, 20]) {
      if (cut >= bytes.length) continue;
      t.equal(readImageHeader(bytes.subarray(0, cut), mime), undefined, `${format} cut at ${cut}`);
    }
    t.equal(readImageHeader(withSignature(mime, 200), mime), undefined, `${format} + garbage`);
  }
  const noFrame = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1");
  t.equal(readImageHeader(noFrame, "image/gif"), undefined, "a GIF without a frame");
  const scanFirst = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0, 0, 0]);
  t.equal(readImageHeader(scanFirst, "image/jpeg"), undefined, "a JPEG scan before any frame");
});

t.test("property: any bytes after a signature read as nothing or a size, never throw", (t) => {
  for (const mime of Object.values(MIME)) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const bytes = Buffer.concat([withSignature(mime, 0), tail]);
        t.equal(sniffImageMime(bytes) ?? mime, mime);
        const header = readImageHeader(bytes, mime);
        return header === undefined || (header.width >= 0 && header.height >= 0);
      }),
      { seed: 17, numRuns: 500 },
    );
  }
  t.end();
});

function sniffLength(mime: ImageMime): number {
  return withSignature(mime, 0).length;
}

// Headers built byte by byte, for the rules real encoders never exercise.

const bytesOf = (...parts: (number[] | string | Buffer)[]) =>
  Buffer.concat(
    parts.map((part) =>
      typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part as number[]),
    ),
  );
const u16be = (value: number) => [value >> 8, value & 0xff];
const u16le = (value: number) => [value & 0xff, value >> 8];
const u32le = (value: number) => [
  value & 0xff,
  (value >> 8) & 0xff,
  (value >> 16) & 0xff,
  value >>> 24,
];

/** A JPEG segment: marker, length (payload + 2), payload. */
const segment = (marker: number, payload: number[]) => [
  0xff,
  marker,
  ...u16be(payload.length + 2),
  ...payload,
];
/** A start-of-frame payload: precision, height, width, one component. */
const frame = (height: number, width: number) => [
  8,
  ...u16be(height),
  ...u16be(width),
  1,
  1,
  0x11,
  0,
];
const jpeg = (...parts: number[][]) => bytesOf([0xff, 0xd8], ...parts, [0xff, 0xd9]);

t.test("JPEG: the first start-of-frame gives the size, whatever comes before it", async (t) => {
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/jpeg");
  for (const marker of [
    0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
  ]) {
    t.same(
      read(jpeg(segment(marker, frame(30, 40)))),
      { width: 40, height: 30, lossy: true },
      `SOF ${marker.toString(16)}`,
    );
  }
  // DHT, JPG and DAC share the C0–CF range but are no frame: their payload is skipped.
  for (const marker of [0xc4, 0xc8, 0xcc, 0xbf, 0xe1, 0xfe]) {
    t.same(
      read(jpeg(segment(marker, frame(99, 99)), segment(0xc0, frame(30, 40)))),
      { width: 40, height: 30, lossy: true },
      `${marker.toString(16)} skipped`,
    );
  }
  t.same(
    read(jpeg([0xff, 0xff, 0xff], segment(0xc0, frame(3, 4)))),
    { width: 4, height: 3, lossy: true },
    "fill bytes",
  );
  t.same(
    read(
      jpeg(
        [0xff, 0x01, 0xff, 0xd0, 0xff, 0xd7, 0xff, 0xd8, 0xff, 0xd9],
        segment(0xc0, frame(3, 4)),
      ),
    ),
    { width: 4, height: 3, lossy: true },
    "markers without a length: TEM, RST0, RST7, SOI, EOI",
  );
  t.same(
    read(jpeg(segment(0xe0, []), segment(0xc2, frame(5, 6)))),
    { width: 6, height: 5, lossy: true },
    "an empty segment",
  );
  t.same(
    read(jpeg(segment(0xc0, frame(0, 6)))),
    { width: 6, height: 0, lossy: true },
    "height 0 (DNL) is the caller's to refuse",
  );
  const shortest = bytesOf([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x07, 8], u16be(7), u16be(9));
  t.same(read(shortest), { width: 9, height: 7, lossy: true }, "a frame header ending the buffer");
});

t.test("JPEG: what is not a marker walk to a frame reads as nothing", async (t) => {
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/jpeg");
  t.equal(
    read(jpeg([0x00], segment(0xc0, frame(3, 4)))),
    undefined,
    "no 0xff where a marker must be",
  );
  t.equal(read(jpeg(segment(0xda, []), segment(0xc0, frame(3, 4)))), undefined, "a scan first");
  t.equal(
    read(jpeg([0xff, 0xe0, 0x00, 0x01], segment(0xc0, frame(3, 4)))),
    undefined,
    "a length below 2",
  );
  t.equal(
    read(jpeg([0xff, 0xc0, 0x00, 0x06, 8, 0, 3, 0, 4, 1, 1])),
    undefined,
    "a frame too short to hold its size",
  );
  t.equal(
    read(bytesOf([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x07, 8], u16be(7), [0])),
    undefined,
    "a frame cut in its width",
  );
  t.equal(read(bytesOf([0xff, 0xd8, 0xff, 0xe0, 0x00])), undefined, "a length cut short");
  t.equal(read(bytesOf([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02])), undefined, "segments and no frame");
  t.equal(read(jpeg()), undefined, "SOI, EOI and nothing else");
});

/** A GIF: header, logical screen `width`×`height` with `flags`, then `rest`. */
const gif = (width: number, height: number, flags: number, ...rest: number[][]) =>
  bytesOf("GIF89a", u16le(width), u16le(height), [flags, 0, 0], ...rest);
/** An image descriptor at (left, top), then its LZW code size and one data sub-block. */
const gifFrame = (
  left: number,
  top: number,
  width: number,
  height: number,
  local = 0,
  table: number[] = [],
) => [
  0x2c,
  ...u16le(left),
  ...u16le(top),
  ...u16le(width),
  ...u16le(height),
  local,
  ...table,
  2,
  2,
  0x44,
  0x01,
  0,
];

t.test("GIF: the screen, grown to every frame's extent, past tables and extensions", async (t) => {
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/gif");
  t.same(read(gif(8, 6, 0, gifFrame(0, 0, 8, 6), [0x3b])), { width: 8, height: 6, lossy: false });
  t.same(
    read(gif(8, 6, 0, gifFrame(5, 4, 8, 6), [0x3b])),
    { width: 13, height: 10, lossy: false },
    "a frame's offset counts",
  );
  t.same(
    read(gif(20, 20, 0, gifFrame(0, 0, 8, 6), [0x3b])),
    { width: 20, height: 20, lossy: false },
    "a smaller frame: the screen",
  );
  const globalTable = [0x2c, 0x2c, 0x2c, 0x21, 0x3b, 0x2c]; // 2 colours, bytes that look like blocks
  t.same(
    read(gif(8, 6, 0x80, globalTable, gifFrame(0, 0, 8, 6), [0x3b])),
    { width: 8, height: 6, lossy: false },
    "a global colour table skipped",
  );
  t.same(
    read(gif(8, 6, 0x81, [...globalTable, ...globalTable], gifFrame(0, 0, 8, 6), [0x3b])),
    { width: 8, height: 6, lossy: false },
    "a table of 4 colours",
  );
  t.same(
    read(gif(8, 6, 0x07, gifFrame(0, 0, 8, 6), [0x3b])),
    { width: 8, height: 6, lossy: false },
    "a table size without the table flag: no table",
  );
  const control = [0x21, 0xf9, 4, 0, 0, 0, 0, 0];
  const comment = [0x21, 0xfe, 3, 0x2c, 0x2c, 0x2c, 2, 0x3b, 0x3b, 0];
  t.same(
    read(
      gif(8, 6, 0, control, comment, gifFrame(0, 0, 8, 6), control, gifFrame(0, 0, 30, 2), [0x3b]),
    ),
    { width: 30, height: 6, lossy: false },
    "extensions skipped; the second frame widens",
  );
  t.same(
    read(
      gif(8, 6, 0, gifFrame(0, 0, 8, 6, 0x80, [1, 2, 3, 4, 5, 6]), gifFrame(0, 0, 9, 40), [0x3b]),
    ),
    { width: 9, height: 40, lossy: false },
    "a local colour table skipped",
  );
  t.same(
    read(
      gif(8, 6, 0, gifFrame(0, 0, 8, 6, 0x80, [0, 0, 0, 0, 0, 0]), gifFrame(0, 0, 9, 40), [0x3b]),
    ),
    { width: 9, height: 40, lossy: false },
    "a local table of zero bytes skipped by its size, not read as blocks",
  );
  t.same(
    read(gif(8, 6, 0, gifFrame(0, 0, 8, 6), [0x3b], gifFrame(0, 0, 99, 99))),
    { width: 8, height: 6, lossy: false },
    "nothing after the trailer",
  );
  t.same(
    read(gif(8, 6, 0, gifFrame(0, 0, 8, 6), [0x00], gifFrame(0, 0, 99, 99))),
    { width: 8, height: 6, lossy: false },
    "an unknown block ends the walk",
  );
  t.same(
    read(gif(8, 6, 0, gifFrame(0, 0, 8, 6).slice(0, 10))),
    { width: 8, height: 6, lossy: false },
    "a descriptor that ends the buffer still counts",
  );
});

t.test("GIF: no readable frame reads as nothing", async (t) => {
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/gif");
  t.equal(
    read(gif(8, 6, 0, gifFrame(0, 0, 8, 6).slice(0, 9))),
    undefined,
    "a descriptor cut short",
  );
  t.equal(
    read(gif(8, 6, 0, [0x21, 0xf9, 4, 0, 0], gifFrame(0, 0, 8, 6))),
    undefined,
    "an extension without its end",
  );
  t.equal(read(gif(8, 6, 0, [0x3b])), undefined, "a trailer only");
  t.equal(read(gif(8, 6, 0x80, [0, 0, 0, 0, 0])), undefined, "a global table cut short");
  t.equal(read(gif(8, 6, 0).subarray(0, 12)), undefined, "a screen cut short");
});

/** A RIFF WebP holding `chunks`. */
const webp = (...chunks: (number[] | string | Buffer)[]) => {
  const body = bytesOf("WEBP", ...chunks);
  return bytesOf("RIFF", u32le(body.length), body);
};
const chunk = (fourcc: string, payload: number[]) =>
  bytesOf(fourcc, u32le(payload.length), payload, payload.length & 1 ? [0] : []);
const vp8x = (width: number, height: number) => {
  const payload = [0, 0, 0, 0];
  for (const value of [width - 1, height - 1])
    payload.push(value & 0xff, (value >> 8) & 0xff, value >> 16);
  return chunk("VP8X", payload);
};
/** VP8L: signature 0x2f, then 14-bit width−1 and height−1. */
const vp8l = (width: number, height: number, signature = 0x2f) => {
  const bits = (width - 1) | ((height - 1) << 14);
  return chunk("VP8L", [signature, ...u32le(bits)]);
};
/** VP8 key frame: frame tag (bit 0 clear), start code 9d 01 2a, 14-bit width and height. */
const vp8 = (width: number, height: number, tag = 0x10, start = [0x9d, 0x01, 0x2a]) =>
  chunk("VP8 ", [tag, 0, 0, ...start, ...u16le(width), ...u16le(height), 0, 0]);

t.test("WebP: each of the three headers", async (t) => {
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/webp");
  t.same(read(webp(vp8l(16384, 3))), { width: 16384, height: 3, lossy: false });
  t.same(read(webp(vp8l(1, 16384))), { width: 1, height: 16384, lossy: false });
  t.equal(webp(vp8l(5, 6)).length, 26);
  t.same(
    read(webp(vp8l(5, 6)).subarray(0, 25)),
    { width: 5, height: 6, lossy: false },
    "a lossless header in 25 bytes",
  );
  t.equal(read(webp(vp8l(5, 6)).subarray(0, 24)), undefined, "24 are too few");
  t.equal(read(webp(vp8l(5, 6, 0x2e))), undefined, "no lossless signature");
  t.same(read(webp(vp8(300, 200))), { width: 300, height: 200, lossy: true });
  t.same(
    read(webp(vp8(0x4000 | 7, 0xc000 | 9))),
    { width: 7, height: 9, lossy: true },
    "the scale bits are not size",
  );
  t.same(
    read(webp(vp8(3, 4)).subarray(0, 30)),
    { width: 3, height: 4, lossy: true },
    "a lossy header in 30 bytes",
  );
  t.equal(read(webp(vp8(3, 4)).subarray(0, 29)), undefined, "29 are too few");
  t.equal(read(webp(vp8(3, 4, 0x11))), undefined, "not a key frame");
  for (const start of [
    [0x9c, 0x01, 0x2a],
    [0x9d, 0x00, 0x2a],
    [0x9d, 0x01, 0x2b],
  ]) {
    t.equal(read(webp(vp8(3, 4, 0x10, start))), undefined, `start code ${start}`);
  }
  t.same(
    read(webp(vp8x(3, 4)).subarray(0, 30)),
    { width: 3, height: 4, lossy: false },
    "an extended header in 30 bytes",
  );
  t.equal(read(webp(vp8x(3, 4)).subarray(0, 29)), undefined, "29 are too few");
  t.equal(read(webp(chunk("VP8Y", new Array(20).fill(0)))), undefined, "an unknown first chunk");
  const renamed = webp(vp8(3, 4));
  renamed.write("VP8Q", 12, "latin1");
  t.equal(read(renamed), undefined, "a lossy key frame under another chunk name");
  t.equal(
    read(webp(chunk("VP8L", new Array(20).fill(0))).subarray(0, 25)),
    undefined,
    "a short VP8L without its signature",
  );
});

t.test("WebP extended: lossy or not by its first image chunk", async (t) => {
  const lossy = (...chunks: Buffer[]) =>
    readImageHeader(webp(vp8x(3, 4), ...chunks), "image/webp")?.lossy;
  t.equal(lossy(vp8(3, 4)), true);
  t.equal(lossy(vp8l(3, 4)), false);
  t.equal(lossy(vp8l(3, 4), vp8(3, 4)), false, "the first image chunk decides");
  t.equal(
    lossy(chunk("ICCP", [1, 2, 3]), chunk("ALPH", [1]), vp8(3, 4)),
    true,
    "past odd-sized chunks and their padding",
  );
  t.equal(lossy(chunk("ICCP", [1, 2, 3, 4, 5]), vp8l(3, 4)), false);
  const anim = chunk("ANIM", [0, 0, 0, 0, 0, 0]);
  const frameHeader = new Array(16).fill(0);
  t.equal(
    lossy(anim, bytesOf("ANMF", u32le(16 + 20), frameHeader, vp8(3, 4))),
    true,
    "an animation's first frame",
  );
  t.equal(lossy(anim, bytesOf("ANMF", u32le(16 + 20), frameHeader, vp8l(3, 4))), false);
  t.equal(lossy(bytesOf("VP8 ", u32le(1000))), true, "a chunk header alone says enough");
  t.equal(
    lossy(bytesOf("VP8 ", u32le(1000)).subarray(0, 7)),
    false,
    "a chunk header cut short says nothing",
  );
  t.equal(lossy(chunk("EXIF", [1, 2])), false, "no image chunk: lossless");
});

t.test("PNG: the IHDR chunk, in exactly 24 bytes", async (t) => {
  const png = (length: number, type: string, width: number, height: number) => {
    const bytes = Buffer.alloc(24);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    bytes.writeUInt32BE(length, 8);
    bytes.write(type, 12, "latin1");
    bytes.writeUInt32BE(width, 16);
    bytes.writeUInt32BE(height, 20);
    return bytes;
  };
  const read = (bytes: Buffer) => readImageHeader(bytes, "image/png");
  t.same(read(png(13, "IHDR", 7, 9)), { width: 7, height: 9, lossy: false });
  t.equal(read(png(13, "IHDR", 7, 9).subarray(0, 23)), undefined, "23 bytes");
  t.equal(read(png(12, "IHDR", 7, 9)), undefined, "IHDR of the wrong length");
  t.equal(read(png(13, "IDAT", 7, 9)), undefined, "another chunk first");
});

t.test("sniffedImageHeader: the type from the magic bytes, then its header", async (t) => {
  t.same(sniffedImageHeader(absurdPng(5, 6)), { width: 5, height: 6, lossy: false });
  t.same(sniffedImageHeader(webp(vp8(3, 4))), { width: 3, height: 4, lossy: true });
  t.equal(sniffedImageHeader(Buffer.from("BM6\0\0\0\0\0\0\0\0\0\0\0\0\0", "latin1")), undefined);
  t.equal(sniffedImageHeader(withSignature("image/gif", 3)), undefined, "a type, but no header");
});
