import { deflateSync } from "node:zlib";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { pngFile } from "../sim/png-image.ts";

/**
 * What `hardening-memory.ts` sends: image bodies forwarded as they come, a wide JSON body, and
 * two raw gRPC `PairwiseRequest`s of the same size, one the width check refuses unread.
 */

/**
 * Side of each noise PNG: 921,600 pixels, under the default forwarding budget; at 16-bit RGB,
 * 5.5 MB a PNG stored uncompressed, 7.4 MB as base64.
 */
const IMAGE_SIDE = 960;

/**
 * A valid PNG of noise that does not compress (stored deflate blocks), within the default
 * forwarding budget (under 1,003,520 pixels), so it is forwarded as it came: the body's cost
 * is its bytes, not a resize. Each image differs by `seed`.
 */
function noisePng(seed: number): Buffer {
  const rowBytes = 1 + IMAGE_SIDE * 6;
  const raw = Buffer.alloc(rowBytes * IMAGE_SIDE);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let at = 0; at < raw.length; at++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    raw[at] = at % rowBytes === 0 ? 0 : state & 0xff;
  }
  const header = { width: IMAGE_SIDE, height: IMAGE_SIDE, bitDepth: 16, colorType: 2 };
  return pngFile(header, deflateSync(raw, { level: 0 }));
}

/** A pairwise body of `images` noise PNGs as data URIs, each body's images its own. */
export function imageBody(index: number, imagesPerBody: number): Buffer {
  const images = Array.from({ length: imagesPerBody }, (_, k) => ({
    url: `data:image/png;base64,${noisePng(index * 100 + k).toString("base64")}`,
  }));
  return Buffer.from(
    JSON.stringify({
      question: "Which response describes the images better?",
      images,
      responses: ["The first describes them well.", "The second describes them better."],
      seed: index,
    }),
  );
}

export /** `[{},{},…,{}]` of about `bytes` bytes: two levels deep, millions of values. */
function wideBody(bytes: number): Buffer {
  const objects = Math.floor((bytes - 2) / 3);
  return Buffer.concat([
    Buffer.from("["),
    Buffer.alloc(3 * (objects - 1), "{},"),
    Buffer.from("{}]"),
  ]);
}

export /** `PairwiseRequest` bytes: `12 00` (an empty `images` entry) over and over. */
function imagesFlood(bytes: number): Buffer {
  const flood = Buffer.alloc(bytes);
  for (let at = 0; at < flood.length; at += 2) flood[at] = 0x12;
  return flood;
}

export /** `PairwiseRequest` bytes: one `question` (field 1) of 10 MB, within the message limit. */
function oneLongQuestion(bytes: number): Buffer {
  const text = Buffer.alloc(bytes - 5, "q");
  const writer = new BinaryWriter();
  writer.tag(1, WireType.LengthDelimited).bytes(text);
  return Buffer.from(writer.finish());
}
