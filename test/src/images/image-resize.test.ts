import sharp from "sharp";
import t from "tap";
import { dataUriPayload } from "../../../src/core/data-uri-payload.ts";
import type { ResolvedImage } from "../../../src/core/types.ts";
import {
  createImageIntake,
  DEFAULT_IMAGE_BUDGET,
  type ImageIntakeOptions,
} from "../../../src/images/image-intake.ts";
import type { ImageObserver } from "../../../src/images/image-observer.ts";
import {
  absurdGif,
  absurdJpeg,
  absurdPng,
  absurdWebp,
  encodedImage,
  sizeOf,
  withSignature,
} from "./budget-images.ts";
import { dataUri, resolvedAsSent, sha256 } from "./image-bytes.ts";
import { startLoopbackServer } from "./loopback-server.ts";

// The image budget at the intake, on real images encoded by sharp. Network rule: the only
// server contacted is a loopback one started here on port 0.

type Cleanup = { teardown(fn: () => unknown): void };

const MIB = 1024 * 1024;

/** An intake with the default budget (28·28·1280 pixels) and an observer that records. */
function intakeFor(t: Cleanup, options: ImageIntakeOptions = {}) {
  const events: string[] = [];
  const observer: ImageObserver = {
    resized: (mime) => events.push(`resized ${mime}`),
    refused: (reason) => events.push(`refused ${reason}`),
  };
  const intake = createImageIntake({ maxBytes: 20 * MIB, observer, ...options });
  t.teardown(() => intake.close());
  return { intake, events };
}

const payloadOf = (image: ResolvedImage | undefined) => dataUriPayload(image!.dataUri);

t.test("a 4000×3000 JPEG is resized to fit the budget, keyed by the original's hash", async (t) => {
  const original = await encodedImage("jpeg", 4000, 3000);
  const { intake, events } = intakeFor(t);
  const [image] = await intake.resolve([{ url: dataUri("image/jpeg", original) }]);
  const forwarded = payloadOf(image);
  const [width, height] = await sizeOf(forwarded);
  t.same([width, height], [1156, 867], "the fitted size, aspect ratio 4:3 kept");
  t.ok(width! * height! <= DEFAULT_IMAGE_BUDGET.maxPixels, "within 28·28·1280 pixels");
  t.equal(image?.mime, "image/jpeg", "a JPEG stays a JPEG");
  t.equal((await sharp(forwarded).metadata()).format, "jpeg");
  t.equal(image?.sha256, sha256(original), "identity: the caller's bytes, not the copy");
  t.equal(image?.byteLength, forwarded.length);
  t.ok(forwarded.length < original.length, "the copy is smaller than the original");
  t.equal(image?.originalDataUri, dataUri("image/jpeg", original), "the original kept for stores");
  t.same(events, ["resized image/jpeg"]);
});

t.test("a PNG over the budget stays a lossless PNG; a GIF becomes one", async (t) => {
  const { intake, events } = intakeFor(t, { budget: { maxPixels: 100_000 } });
  const png = await encodedImage("png", 1000, 400);
  const gif = await encodedImage("gif", 600, 600);
  const [fromPng, fromGif] = await intake.resolve([
    { url: dataUri("image/png", png) },
    { url: dataUri("image/gif", gif) },
  ]);
  t.equal(fromPng?.mime, "image/png");
  t.same(await sizeOf(payloadOf(fromPng)), [500, 200]);
  t.equal(fromGif?.mime, "image/png");
  t.same(await sizeOf(payloadOf(fromGif)), [316, 316]);
  t.same(events, ["resized image/png", "resized image/png"]);
});

t.test("an edge over JURIST_IMAGE_MAX_EDGE is resized although the pixels fit", async (t) => {
  const { intake } = intakeFor(t, { budget: { maxEdge: 512 } });
  const strip = await encodedImage("png", 2000, 100);
  const [image] = await intake.resolve([{ url: dataUri("image/png", strip) }]);
  t.same(await sizeOf(payloadOf(image)), [512, 25]);
});

t.test("images within the budget pass untouched: same bytes, same base64", async (t) => {
  const { intake, events } = intakeFor(t);
  const images = [
    ["image/png", await encodedImage("png", 1120, 896)], // exactly 28·28·1280 pixels
    ["image/jpeg", await encodedImage("jpeg", 640, 480)],
    ["image/webp", await encodedImage("webp", 800, 600)],
    ["image/gif", await encodedImage("gif", 64, 64)],
  ] as const;
  const resolved = await intake.resolve(
    images.map(([mime, bytes]) => ({ url: dataUri(mime, bytes) })),
  );
  t.same(resolved, resolvedAsSent(images));
  t.same(events, [], "nothing resized, nothing refused");
});

t.test("a remote image over the budget is resized after the fetch", async (t) => {
  const original = await encodedImage("png", 2400, 1800);
  const server = await startLoopbackServer((_req, res) => res.end(original));
  t.teardown(() => server.close());
  const { intake, events } = intakeFor(t, { allow: ["127.0.0.1"] });
  const [image] = await intake.resolve([{ url: server.url("/photo.png") }]);
  t.same(await sizeOf(payloadOf(image)), [1156, 867]);
  t.equal(image?.sha256, sha256(original));
  t.same(events, ["resized image/png"]);
});

t.test("absurd headers are refused with IMAGE_TOO_LARGE, before any decode", async (t) => {
  const cases = [
    ["PNG 2^31−1 × 2^31−1", "image/png", absurdPng(2 ** 31 - 1, 2 ** 31 - 1), "edge_too_long"],
    ["PNG 10001×10000", "image/png", absurdPng(10_001, 10_000), "too_many_pixels"],
    ["GIF 65535×65535", "image/gif", absurdGif(65535, 65535), "edge_too_long"],
    [
      "GIF 1×1 with a 65535×65535 frame",
      "image/gif",
      absurdGif(1, 1, { frame: [65535, 65535] }),
      "edge_too_long",
    ],
    ["JPEG 65535×65535", "image/jpeg", absurdJpeg(65535, 65535), "edge_too_long"],
    ["WebP 2^24 × 2^24", "image/webp", absurdWebp(2 ** 24, 2 ** 24), "edge_too_long"],
  ] as const;
  for (const [name, mime, bytes, reason] of cases) {
    const { intake, events } = intakeFor(t);
    await t.rejects(
      intake.resolve([{ url: dataUri(mime, bytes) }]),
      { code: "IMAGE_TOO_LARGE", httpStatus: 413, details: [{ path: "images.0.url", reason }] },
      name,
    );
    t.same(events, [`refused ${reason}`], `${name}: counted`);
  }
});

t.test("a signature on garbage, or a zero size, is refused as not an image", async (t) => {
  for (const mime of ["image/png", "image/jpeg", "image/gif", "image/webp"] as const) {
    const { intake, events } = intakeFor(t);
    await t.rejects(
      intake.resolve([{ url: dataUri(mime, withSignature(mime, 300)) }]),
      { code: "UNSUPPORTED_MEDIA", httpStatus: 415, details: [{ reason: "invalid_image_header" }] },
      `${mime} signature + garbage`,
    );
    t.same(events, ["refused invalid_image_header"]);
  }
  const { intake } = intakeFor(t);
  await t.rejects(intake.resolve([{ url: dataUri("image/png", absurdPng(0, 0)) }]), {
    code: "UNSUPPORTED_MEDIA",
    details: [{ reason: "invalid_image_header" }],
  });
});

t.test(
  "garbage behind a readable header: forwarded when within budget, refused when it must be decoded",
  async (t) => {
    // A header that declares 2000×2000 over pixel data that is not there: within the budget the
    // gateway does not decode (the replica will judge the bytes); over it, the decode fails.
    const forged = absurdPng(2000, 2000);
    const { intake: generous } = intakeFor(t, { budget: { maxPixels: 4_000_000, maxEdge: 4000 } });
    const [image] = await generous.resolve([{ url: dataUri("image/png", forged) }]);
    t.equal(image?.dataUri, dataUri("image/png", forged), "forwarded untouched");
    const { intake, events } = intakeFor(t);
    await t.rejects(intake.resolve([{ url: dataUri("image/png", forged) }]), {
      code: "UNSUPPORTED_MEDIA",
      details: [{ path: "images.0.url", reason: "undecodable_image" }],
    });
    t.same(events, ["refused undecodable_image"]);
  },
);

t.test(
  "one refused image fails the request, and resizes it started do not go unobserved",
  async (t) => {
    const { intake, events } = intakeFor(t);
    const big = await encodedImage("jpeg", 3000, 2000);
    await t.rejects(
      intake.resolve([
        { url: dataUri("image/jpeg", big) },
        { url: dataUri("image/png", absurdPng(2 ** 31 - 1, 1)) },
      ]),
      { code: "IMAGE_TOO_LARGE", details: [{ path: "images.1.url" }] },
    );
    t.same(events, ["refused edge_too_long"], "the first image's resize was never started");
  },
);

t.test("an incoherent budget fails at construction", async (t) => {
  t.throws(() => createImageIntake({ budget: { maxPixels: 200_000_000 } }), /maxPixels exceeds/);
  t.throws(() => createImageIntake({ budget: { maxEdge: 20_000 } }), /maxEdge exceeds/);
});
