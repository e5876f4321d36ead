import sharp from "sharp";
import t from "tap";
import { readImageHeader } from "../../../src/core/image-header.ts";
import type { ImageMime } from "../../../src/core/image-magic.ts";
import { encodedImage } from "./budget-images.ts";

/**
 * src/core/image-header.ts against libvips on images real encoders write, up to 12 MP. Kept out
 * of test/src/core (the mutation run's unit tests: each mutant of the header reader would encode
 * them again); test/src/core/image-header.test.ts checks each rule on headers built byte by byte.
 */

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
