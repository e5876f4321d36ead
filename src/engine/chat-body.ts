import { randomUUID } from "node:crypto";
import type { ChatMessage, DataUri } from "../core/types.ts";
import { loopPacer } from "./loop-pacer.ts";

/** A JSON request body as parts written one after the other, and its length in bytes. */
export interface BodyParts {
  /** Text, or the bytes of ASCII text (an image's data URI, never copied into a string). */
  parts: (string | Buffer)[];
  byteLength: number;
}

/** Image data URIs shorter than this are serialized in place: a part of its own costs more. */
const OWN_PART_MIN_LENGTH = 4_096;

/**
 * A data URI JSON needs no escape in: printable ASCII without `"` or `\` (base64 and its
 * `data:<mime>;base64,` header are), so `"` + uri + `"` is its JSON exactly.
 */
const JSON_SAFE = /^data:[ !#-[\]-~]*$/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The bytes of `uri` as a Buffer, sharing its memory (undici writes Buffers as they are). */
const asBuffer = (uri: Uint8Array): Buffer =>
  Buffer.isBuffer(uri) ? uri : Buffer.from(uri.buffer, uri.byteOffset, uri.length);

/**
 * Whether a data URI held as bytes can go between quotes as it is. Intake checked every byte
 * of it (header and strict base64); this native scan for the two characters JSON escapes is
 * the guard against a caller that built one some other way.
 */
const jsonSafeBytes = (uri: Buffer): boolean =>
  uri.indexOf(QUOTE) === -1 && uri.indexOf(BACKSLASH) === -1;

/**
 * Serializes a chat completion body with each large image data URI left out of the JSON text
 * and sent as a part of its own: the very string or bytes the request holds. JSON.stringify
 * would copy every image into each order's body (a verdict sends two, a retry or a hedge one
 * more), so a request with 60 MB of images held 120 MB more for as long as its calls ran; as
 * parts, the images exist once, and only the socket's copy of the part being written is held,
 * briefly. A data URI held as bytes (a slice of the request body) goes out without ever
 * becoming a string: undici writes the very Buffer.
 *
 * Each image string is checked to need no JSON escape (a scan of the whole URI) one after the
 * other, the event loop let turn between large ones (`loop-pacer.ts`), so eight images of
 * several megabytes are not scanned in one synchronous run, per order. One that would need
 * escapes (none that intake lets through) is sent as its JSON text instead.
 */
/** `message` with each image URL replaced by what `apart` answers for it. */
function withImagesApart(message: ChatMessage, apart: (url: DataUri) => DataUri): ChatMessage {
  if (typeof message.content === "string") return message;
  return {
    ...message,
    content: message.content.map((part) =>
      part.type === "image_url"
        ? { ...part, image_url: { ...part.image_url, url: apart(part.image_url.url) } }
        : part,
    ),
  };
}

export async function chatBodyParts(body: Record<string, unknown>): Promise<BodyParts> {
  const images: (string | Buffer)[] = [];
  // A marker no caller text can produce: JSON escapes its control character, and the nonce
  // is new for every body.
  const marker = `\u0001${randomUUID()}:`;
  const apart = (url: DataUri): DataUri => {
    if (typeof url === "string") {
      if (url.length < OWN_PART_MIN_LENGTH || !url.startsWith("data:")) return url;
      images.push(url);
    } else {
      const bytes = asBuffer(url);
      if (bytes.length < OWN_PART_MIN_LENGTH) return bytes.toString("latin1");
      images.push(bytes);
    }
    return `${marker}${images.length - 1}`;
  };
  // The images are found where a chat body has them, not by a replacer: JSON.stringify would
  // call it on every value, and call a Buffer's toJSON (an array of every byte) before it.
  const messages = body.messages as readonly ChatMessage[] | undefined;
  const text = JSON.stringify(
    Array.isArray(messages)
      ? { ...body, messages: messages.map((m) => withImagesApart(m, apart)) }
      : body,
  );
  if (images.length === 0) return { parts: [text], byteLength: Buffer.byteLength(text) };
  const quotedMarker = JSON.stringify(marker);
  const prefix = quotedMarker.slice(0, -1);
  const pacer = loopPacer();
  const parts: (string | Buffer)[] = [];
  let byteLength = 0;
  let at = 0;
  for (let index = 0; index < images.length; index += 1) {
    const image = images[index]!;
    const isText = typeof image === "string";
    // Only a string is scanned: bytes cost one native search, no turn needed.
    if (index > 0 && typeof images[index - 1] === "string")
      await pacer.worked(images[index - 1]!.length);
    const placeholder = `${prefix}${index}"`;
    const found = text.indexOf(placeholder, at);
    const before = text.slice(at, found);
    byteLength += Buffer.byteLength(before);
    if (isText ? JSON_SAFE.test(image) : jsonSafeBytes(image)) {
      parts.push(`${before}"`, image, '"');
      byteLength += image.length + 2;
    } else {
      const json = JSON.stringify(isText ? image : image.toString("latin1"));
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
