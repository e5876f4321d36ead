import { createDeflate } from "node:zlib";
import t from "tap";
import { pngFile } from "../../../sim/png-image.ts";
import type { ImageMime } from "../../../src/core/image-magic.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";
import {
  absurdGif,
  absurdJpeg,
  absurdPng,
  absurdWebp,
  withSignature,
} from "../../src/images/budget-images.ts";

/**
 * Issue 18, finding 3: images checked by their first bytes only were forwarded to the engine.
 * Each bomb here goes to a real gateway, in front of a simulated replica behind a recording
 * proxy, with the default settings: each is refused with a coded 4xx, and the replica never
 * hears of any of them.
 */

/**
 * A real, valid 10000×10000 RGB PNG: 300 MB of pixels (every row filtered "none", all black)
 * deflated to a few hundred kilobytes, streamed so the test never holds the 300 MB itself.
 */
async function decompressionBombPng(): Promise<Buffer> {
  const side = 10_000;
  const row = Buffer.alloc(1 + side * 3);
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise((resolve) => deflate.on("end", resolve));
  for (let y = 0; y < side; y++) {
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  return pngFile(
    { width: side, height: side, bitDepth: 8, colorType: 2 },
    Buffer.concat(compressed),
  );
}

t.test("every image bomb is a coded 4xx, and the replica sees none", async (t) => {
  const [sim] = await startSims(t, 1);
  const proxy = await startRecordingProxy(t, sim!.url);
  const { fastify } = await buildGateway(t, { JURIST_BACKENDS: proxy.url });
  const bomb = await decompressionBombPng();
  t.ok(bomb.length < 1024 * 1024, `the 10000×10000 PNG is small: ${bomb.length} bytes`);

  const jpeg = absurdJpeg(640, 480);
  const webp = absurdWebp(640, 480);
  const cases: [string, ImageMime, Buffer, string, string][] = [
    [
      "PNG signature on garbage",
      "image/png",
      withSignature("image/png", 4_000),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "PNG declaring 2^31-1 × 2^31-1",
      "image/png",
      absurdPng(2 ** 31 - 1, 2 ** 31 - 1),
      "IMAGE_TOO_LARGE",
      "edge_too_long",
    ],
    ["10000×10000 PNG, 300 MB inflated", "image/png", bomb, "IMAGE_TOO_LARGE", "too_many_pixels"],
    ["65535×65535 GIF", "image/gif", absurdGif(65_535, 65_535), "IMAGE_TOO_LARGE", "edge_too_long"],
    [
      "JPEG cut short before its frame header",
      "image/jpeg",
      jpeg.subarray(0, 24),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "JPEG declaring 0×0",
      "image/jpeg",
      absurdJpeg(0, 0),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "JPEG signature on garbage",
      "image/jpeg",
      withSignature("image/jpeg", 4_000),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "WebP cut short in its VP8X chunk",
      "image/webp",
      webp.subarray(0, 22),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "WebP signature on garbage",
      "image/webp",
      withSignature("image/webp", 4_000),
      "UNSUPPORTED_MEDIA",
      "invalid_image_header",
    ],
    [
      "WebP declaring 16384×16384",
      "image/webp",
      absurdWebp(16_384, 16_384),
      "IMAGE_TOO_LARGE",
      "too_many_pixels",
    ],
  ];
  for (const [name, mime, bytes, code, reason] of cases) {
    const body = validPairwiseBody();
    body.images = [{ url: `data:${mime};base64,${bytes.toString("base64")}` }];
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: body,
    });
    t.equal(response.statusCode, code === "IMAGE_TOO_LARGE" ? 413 : 415, name);
    const error = response.json().error;
    t.equal(error.code, code, name);
    t.same(error.details, [{ path: "images.0.url", reason }], name);
  }
  t.equal(proxy.requests.filter(isChatCompletion).length, 0, "no bomb reached the replica");
});
