import { randomUUID } from "node:crypto";
import { loopPacer } from "./loop-pacer.ts";

/** A JSON request body as parts written one after the other, and its length in bytes. */
export interface BodyParts {
  parts: string[];
  byteLength: number;
}

/** Image data URIs shorter than this are serialized in place: a part of its own costs more. */
const OWN_PART_MIN_LENGTH = 4_096;

/**
 * A data URI JSON needs no escape in: printable ASCII without `"` or `\` (base64 and its
 * `data:<mime>;base64,` header are), so `"` + uri + `"` is its JSON exactly.
 */
const JSON_SAFE = /^data:[ !#-[\]-~]*$/;

/**
 * Serializes a chat completion body with each large image data URI left out of the JSON text
 * and sent as a part of its own: the very string the request holds. JSON.stringify would copy
 * every image into each order's body (a verdict sends two, a retry or a hedge one more), so a
 * request with 60 MB of images held 120 MB more for as long as its calls ran; as parts, the
 * images exist once, and only the socket's copy of the part being written is held, briefly.
 *
 * Each image is checked to need no JSON escape (a scan of the whole URI) one after the other,
 * the event loop let turn between large ones (`loop-pacer.ts`), so eight images of several
 * megabytes are not scanned in one synchronous run, per order. One that would need escapes
 * (none that intake lets through) is sent as its JSON text instead.
 */
export async function chatBodyParts(body: Record<string, unknown>): Promise<BodyParts> {
  const images: string[] = [];
  // A marker no caller text can produce: JSON escapes its control character, and the nonce
  // is new for every body.
  const marker = `\u0001${randomUUID()}:`;
  const text = JSON.stringify(body, function keepImagesApart(key, value) {
    if (
      key === "url" &&
      typeof value === "string" &&
      value.length >= OWN_PART_MIN_LENGTH &&
      value.startsWith("data:")
    ) {
      images.push(value);
      return `${marker}${images.length - 1}`;
    }
    return value;
  });
  if (images.length === 0) return { parts: [text], byteLength: Buffer.byteLength(text) };
  const quotedMarker = JSON.stringify(marker);
  const prefix = quotedMarker.slice(0, -1);
  const pacer = loopPacer();
  const parts: string[] = [];
  let byteLength = 0;
  let at = 0;
  for (let index = 0; index < images.length; index += 1) {
    if (index > 0) await pacer.worked(images[index - 1]!.length);
    const placeholder = `${prefix}${index}"`;
    const found = text.indexOf(placeholder, at);
    const before = text.slice(at, found);
    const image = images[index]!;
    byteLength += Buffer.byteLength(before);
    if (JSON_SAFE.test(image)) {
      parts.push(`${before}"`, image, '"');
      byteLength += image.length + 2;
    } else {
      const json = JSON.stringify(image);
      parts.push(before, json);
      byteLength += Buffer.byteLength(json);
    }
    at = found + placeholder.length;
  }
  const rest = text.slice(at);
  parts.push(rest);
  byteLength += Buffer.byteLength(rest);
  return { parts, byteLength };
}
