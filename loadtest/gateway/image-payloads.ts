import { encodePng } from "../../sim/png-image.ts";
import { createRandom } from "../../src/core/seeded-random.ts";
import { judgeChatBody } from "./judge-chat-body.ts";
import { question, RESPONSES } from "./request-bodies.ts";

/**
 * The realistic image payloads of `npm run bench` (issue 21): what a judge of vision outputs
 * receives is hundreds of kilobytes of image per verdict, not the 3 KB PNG of the other
 * scenarios. Bodies are built by splicing the images' JSON, serialised once, between each
 * request's own small fields, so the load generator does not stringify megabytes per request.
 */

/** Edge of every photo, pixels: 400×400, far inside the gateway's forwarding budget. */
export const PHOTO_EDGE = 400;
/** Photos available: a 4-image request carries four distinct ones. */
export const PHOTO_COUNT = 4;

/**
 * A deterministic photo-like PNG: smooth colour gradients with sensor-like noise over three
 * quarters of each channel's range, so deflate saves almost nothing (≈469 KiB for 480,000
 * bytes of pixels), as with a camera photo stored losslessly. `n` picks the noise seed.
 */
export function photoPng(n: number): Buffer {
  const random = createRandom("bench photo", n);
  return encodePng(PHOTO_EDGE, PHOTO_EDGE, (x, y) => {
    const smooth = [
      x * 0.5 + y * 0.1 + n * 40,
      128 + 100 * Math.sin(x / 60 + n) * Math.cos(y / 45),
      255 - y * 0.6,
    ];
    return smooth.map((value) => (Math.round(value) + random.int(192)) & 255) as [
      number,
      number,
      number,
    ];
  });
}

export const PHOTOS: readonly Buffer[] = Array.from({ length: PHOTO_COUNT }, (_, n) => photoPng(n));
export const PHOTO_DATA_URIS: readonly string[] = PHOTOS.map(
  (photo) => `data:image/png;base64,${photo.toString("base64")}`,
);

const seedOf = (index: number) => index % 2 ** 31;

/** The first `count` photos (1–4): each request carries the same ones, distinct from each other. */
function photoUrls(count: number): readonly string[] {
  if (count < 1 || count > PHOTO_COUNT) throw new Error(`1 to ${PHOTO_COUNT} photos, not ${count}`);
  return PHOTO_DATA_URIS.slice(0, count);
}

/**
 * `body(index)` for a `/v1/judge/pairwise` request with `count` photos: fast mode, every index
 * its own question and seed (a new verdict: the cache misses, collection keeps each prompt).
 */
export function imagePairwiseBodies(count: number, swap: boolean): (index: number) => string {
  const images = JSON.stringify(photoUrls(count).map((url) => ({ url })));
  const tail = `,"responses":${JSON.stringify(RESPONSES)},"mode":"fast","swap":${swap}`;
  return (index) =>
    `{"question":${JSON.stringify(question(index))},"images":${images}${tail},"seed":${seedOf(index)}}`;
}

/**
 * `body(index)` for the chat completion of `imagePairwiseBodies(count)`'s request `index`,
 * first order: what the pass-through proxy forwards (once per engine call a verdict makes).
 */
export function imageChatBodies(count: number, model: string): (index: number) => string {
  const marker = "\u0000question\u0000";
  const template = JSON.stringify(
    judgeChatBody({
      model,
      question: marker,
      imageUrls: photoUrls(count),
      slotA: RESPONSES[0],
      slotB: RESPONSES[1],
      seed: 0,
    }),
  );
  const markerJson = JSON.stringify(marker).slice(1, -1);
  const [head, rest] = splitOnce(template, markerJson);
  const [middle, tail] = splitOnce(rest, `"seed":0,`);
  return (index) =>
    `${head}${JSON.stringify(question(index)).slice(1, -1)}${middle}"seed":${seedOf(index)},${tail}`;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  if (at < 0) throw new Error(`no ${separator} in the template`);
  return [text.slice(0, at), text.slice(at + separator.length)];
}
