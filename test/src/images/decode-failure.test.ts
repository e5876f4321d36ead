import sharp from "sharp";
import t from "tap";
import { isDecodeFailure } from "../../../src/images/decode-failure.ts";
import { encodedImage } from "./budget-images.ts";

// Only bytes that will not decode are the caller's fault (415 undecodable_image); libvips
// running out of memory or failing on its own is the gateway's (500).

async function resizeError(bytes: Buffer): Promise<unknown> {
  return sharp(bytes, { failOn: "error", sequentialRead: true })
    .resize(50, 30, { fit: "fill" })
    .png()
    .toBuffer()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

t.test(
  "what sharp throws for corrupt or truncated images of every format is a decode failure",
  async (t) => {
    for (const format of ["png", "jpeg", "gif", "webp"] as const) {
      const bytes = await encodedImage(format, 300, 200);
      const truncated = bytes.subarray(0, Math.floor(bytes.length / 2));
      const garbled = Buffer.concat([bytes.subarray(0, 60), Buffer.alloc(bytes.length - 60, 0x5a)]);
      for (const [name, bad] of [
        ["truncated", truncated],
        ["garbled", garbled],
      ] as const) {
        const error = await resizeError(bad);
        t.ok(error instanceof Error, `${format} ${name} fails to decode`);
        t.ok(
          isDecodeFailure(error),
          `${format} ${name}: ${(error as Error).message.split("\n")[0]}`,
        );
      }
    }
    t.ok(isDecodeFailure(await resizeError(Buffer.from("not an image at all"))), "unknown format");
  },
);

t.test("libvips' own failures are not the caller's", async (t) => {
  for (const message of [
    "vips_tracked_malloc: out of memory --- size == 4096MB",
    "VipsJpeg: out of memory",
    "vips_malloc: out of memory",
    "VipsImage: memory area too small --- should be 1200 bytes, you passed 12",
    "vips_threadpool: unable to create thread",
    "linear: vector must have 1 or 3 elements",
  ]) {
    t.notOk(isDecodeFailure(new Error(message)), message);
  }
  t.notOk(isDecodeFailure("VipsJpeg: premature end of JPEG image"), "not an Error at all");
});
