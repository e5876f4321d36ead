import fc from "fast-check";
import sharp from "sharp";
import t from "tap";
import { readImageHeader } from "../../../src/core/image-header.ts";
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

t.test("reads the size of real images of every format, as libvips reads it", async (t) => {
  for (const format of FORMATS) {
    for (const [width, height] of [
      [1, 1],
      [640, 480],
      [37, 1201],
      [4000, 3000],
    ] as const) {
      if (format === "gif" && width * height > 1_000_000) continue; // cgif is slow at 12 MP
      const bytes = await encodedImage(format, width, height);
      const header = readImageHeader(bytes, MIME[format]);
      const metadata = await sharp(bytes).metadata();
      t.match(header, { width, height }, `${format} ${width}×${height}`);
      t.same([header?.width, header?.height], [metadata.width, metadata.height]);
      t.equal(header?.lossy, format === "jpeg", `${format} lossy flag`);
    }
  }
});

t.test(
  "a lossy WebP (a VP8 chunk) is read as lossy, an extended one (VP8X) by its canvas and image chunk",
  async (t) => {
    const lossy = await sharp({
      create: { width: 300, height: 200, channels: 3, background: "#123" },
    })
      .webp({ quality: 80 })
      .toBuffer();
    t.equal(lossy.toString("latin1", 12, 16), "VP8 ");
    t.same(readImageHeader(lossy, "image/webp"), { width: 300, height: 200, lossy: true });
    const extended = await sharp({
      create: { width: 300, height: 200, channels: 4, background: "#1234" },
    })
      .webp({ quality: 80 })
      .toBuffer();
    t.equal(extended.toString("latin1", 12, 16), "VP8X");
    t.same(
      readImageHeader(extended, "image/webp"),
      { width: 300, height: 200, lossy: true },
      "lossy pixels behind VP8X and ALPH: a resized copy may be JPEG",
    );
    const extendedLossless = await sharp({
      create: { width: 300, height: 200, channels: 4, background: "#1234" },
    })
      .webp({ lossless: true })
      .withMetadata({ icc: "srgb" })
      .toBuffer();
    t.equal(extendedLossless.toString("latin1", 12, 16), "VP8X");
    t.same(readImageHeader(extendedLossless, "image/webp"), {
      width: 300,
      height: 200,
      lossy: false,
    });
    t.same(
      readImageHeader(extended.subarray(0, 30), "image/webp"),
      { width: 300, height: 200, lossy: false },
      "cut before the image chunk: the canvas, kept lossless",
    );
  },
);

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
