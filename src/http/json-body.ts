import { isAscii } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { finished } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HTTP_BODY_COST_PER_BYTE } from "../config/shedding-settings.ts";
import { AppError } from "../core/errors.ts";
import { type InflightBytes, overBudget, type Reservation } from "../core/inflight-bytes.ts";
import { LOOP_TURN_BYTES, turnQueue } from "../engine/loop-pacer.ts";
import { cutDataUris, restoreDataUris } from "./body-data-uris.ts";
import {
  createJsonShapeScanner,
  type JsonShapeExcess,
  type JsonShapeLimits,
} from "./json-shape.ts";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The bytes this request holds against the in-flight budget (its body, then its decoded
     * images); released when the response closes. Null for a request without a JSON body.
     */
    inflight: Reservation | null;
    /**
     * The body's image data URIs, cut out before parsing, by the stand-in the parsed body
     * holds in their place (`body-data-uris.ts`); a route puts them back with
     * `bodyWithDataUris`. Null for a request without a JSON body.
     */
    dataUris: ReadonlyMap<string, Buffer> | null;
  }
}

export interface JsonBodyOptions {
  /** The process's in-flight byte budget, shared with gRPC. */
  inflight: InflightBytes;
  /**
   * Deepest nesting of arrays and objects, and most values, accepted (JURIST_JSON_MAX_DEPTH,
   * JURIST_JSON_MAX_VALUES).
   */
  shape: JsonShapeLimits;
}

function invalid(message: string, reason: string): AppError {
  return new AppError("INVALID_REQUEST", message, { details: [{ reason }] });
}

function tooLarge(limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the body is larger than ${limit} bytes`, {
    details: [{ reason: "too_large" }],
  });
}

function misshapen(excess: JsonShapeExcess, limits: JsonShapeLimits): AppError {
  if (excess === "depth") {
    return invalid(
      `the body nests arrays and objects deeper than ${limits.maxDepth} levels`,
      `nesting deeper than ${limits.maxDepth}`,
    );
  }
  return invalid(
    `the body holds more than ${limits.maxValues} array elements and object members`,
    `more than ${limits.maxValues} values`,
  );
}

/** The client went away before its body arrived: nobody reads the answer, but it is logged. */
function clientGone(): AppError {
  return invalid("the client closed the connection before its body arrived", "client closed");
}

const PROTO_KEY = "__proto__";

/**
 * Refuses what prototype pollution needs, as Fastify's default parser did: a `__proto__` key
 * anywhere, and a `constructor` object with a `prototype`. JSON.parse makes them plain own
 * properties, harmless here (the schemas keep only known fields), but a later merge or spread
 * elsewhere could give them meaning, and refusing tells the caller why, where the default
 * parser called the body "not valid JSON".
 */
function refusePoisonedKeys(key: string, value: unknown): unknown {
  if (key === PROTO_KEY) {
    throw invalid("`__proto__` keys are not accepted in a JSON body", "__proto__ key");
  }
  if (key === "constructor" && typeof value === "object" && value !== null) {
    if (Object.hasOwn(value, "prototype")) {
      throw invalid(
        "a `constructor.prototype` key is not accepted in a JSON body",
        "constructor key",
      );
    }
  }
  return value;
}

/**
 * Parses a JSON text, refusing poisoned keys. The reviver walks every value, so it runs only
 * when the text can spell such a key: literally, or with a `\u` escape (which could spell any
 * letter of it). Image bodies carry neither, and parse at JSON.parse's native speed.
 *
 * `constructor` is looked for as a key is written, in its quotes (no other escape can spell
 * it): base64 is full of its first letters, and the bare word's search took as long as the
 * parse of a 60 MB image body; quoted, it is a few times quicker.
 */
export function parseJsonText(text: string): unknown {
  const mayBePoisoned =
    text.includes(PROTO_KEY) || text.includes('"constructor"') || text.includes("\\u");
  try {
    return mayBePoisoned ? JSON.parse(text, refusePoisonedKeys) : JSON.parse(text);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("INVALID_REQUEST", "the body is not valid JSON", {
      details: [{ reason: (error as Error).message }],
    });
  }
}

/**
 * The JSON body parser of every route, in place of Fastify's: the body is read as a stream and
 * held against the in-flight budget as it arrives (all of it at once when `Content-Length`
 * says how much, before a byte is read), its shape (nesting depth, count of values) is
 * followed byte by byte and a body past either limit is refused at the byte that crosses it,
 * and only then is it parsed. Over the body limit → 413 PAYLOAD_TOO_LARGE; over the budget →
 * 503 OVERLOADED with Retry-After; too deep, too wide, empty, not JSON or carrying a
 * `__proto__` key → 400 INVALID_REQUEST. Other content types still get Fastify's 415.
 */
export function jsonBodies(app: FastifyInstance, options: JsonBodyOptions): void {
  const { inflight, shape } = options;
  app.decorateRequest("inflight", null);
  app.decorateRequest("dataUris", null);
  // The parser needs the response, to give the bytes back when it ends; only hooks see it.
  const responses = new WeakMap<FastifyRequest, ServerResponse>();
  app.addHook("preParsing", (request, reply, payload, done) => {
    responses.set(request, reply.raw);
    done(null, payload);
  });
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", (request, payload, done) => {
    const response = responses.get(request);
    readJsonBody(request, payload, response, inflight, shape).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
}

/** The process's large-body parses, one per turn of the event loop (`loop-pacer.ts`). */
const largeParses = turnQueue();

/**
 * Whether the client is gone: its socket closed before (or while) the body was read. Once the
 * body has been read whole, the request stream destroys itself (autoDestroy, a tick after
 * 'end'), so from then on only the socket and the response tell.
 */
function clientClosed(
  payload: IncomingMessage,
  response: ServerResponse | undefined,
  bodyRead = false,
): boolean {
  if (!bodyRead && payload.destroyed) return true;
  return payload.socket?.destroyed === true || response?.destroyed === true;
}

async function readJsonBody(
  request: FastifyRequest,
  payload: IncomingMessage,
  response: ServerResponse | undefined,
  inflight: InflightBytes,
  shape: JsonShapeLimits,
): Promise<unknown> {
  const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
  const declared = Number(request.headers["content-length"]);
  const known = Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit) throw tooLarge(limit);
  // A client that left during an earlier, asynchronous step (a key lookup, a rate-limit count
  // in Redis) has closed its response already: bytes reserved now would wait for a body that
  // never comes, and for a 'close' that already fired.
  if (clientClosed(payload, response)) throw clientGone();
  // Refused before a byte is read when the declared length does not fit.
  const cost = known ? declared * HTTP_BODY_COST_PER_BYTE : 0;
  const reservation = inflight.tryReserve(cost);
  if (!reservation) throw overBudget(cost);
  request.inflight = reservation;
  // Held until the response ends: answered, failed, or the client gone ('close' fires in each
  // case, which no Fastify hook guarantees for an abandoned request). `finished` calls back
  // for a response that has closed already too.
  // Without the response (never: preParsing records it), the socket's end releases instead;
  // a reservation with no release would hold its bytes for the life of the process.
  finished(response ?? payload.socket, () => reservation.release());
  const bytes = await readBody(payload, {
    limit,
    declared: known ? declared : null,
    reservation,
    shape,
  });
  if (bytes.length === 0) {
    throw invalid("the body is empty but its content-type is application/json", "empty body");
  }
  // Decoding and parsing a large body is one synchronous run (a 60 MB image body: about a
  // tenth of a second alone, several under load): large bodies are parsed one per loop turn.
  if (bytes.length >= LOOP_TURN_BYTES) {
    await largeParses.next();
    // A client that left while the parse waited for its turn would be parsed for nothing.
    if (clientClosed(payload, response, true)) throw clientGone();
  }
  // ASCII (an image body: base64 and field names) is the same text read as Latin-1, a plain
  // copy where UTF-8 decodes: 10–40% quicker on a 60 MB body here. A BOM is not ASCII.
  // Image data URIs stay bytes: only the rest of the body becomes text.
  const cut = cutDataUris(bytes, isAscii(bytes));
  request.dataUris = cut.dataUris;
  let text = cut.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJsonText(text);
}

interface ReadOptions {
  limit: number;
  /** The Content-Length, already reserved; null for a chunked body, reserved as it comes. */
  declared: number | null;
  reservation: Reservation;
  shape: JsonShapeLimits;
}

/**
 * The body's bytes, in one Buffer: written straight into one of the declared length, so the
 * body is never held twice (chunks and their concatenation); concatenated once for a chunked
 * body. Rejects on the first chunk past a limit, and stops listening: what is left of the
 * body is Node's to discard. Rejects too when the body closes before its end (the client
 * went away), so the request never waits on a stream that will say nothing more.
 */
function readBody(payload: IncomingMessage, options: ReadOptions): Promise<Buffer> {
  const { limit, declared, reservation, shape } = options;
  const scanner = createJsonShapeScanner(shape);
  const whole = declared !== null ? Buffer.allocUnsafe(declared) : null;
  const chunks: Buffer[] = [];
  let received = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const unlisten = () => {
      payload.removeListener("data", onData);
      payload.removeListener("end", onEnd);
      payload.removeListener("error", onError);
      payload.removeListener("close", onClose);
    };
    const stop = (error: unknown) => {
      unlisten();
      reject(error);
    };
    function onData(chunk: Buffer) {
      received += chunk.length;
      if (received > limit) return stop(tooLarge(limit));
      if (whole) {
        if (received > whole.length) return stop(lengthMismatch());
        chunk.copy(whole, received - chunk.length);
      } else {
        const cost = chunk.length * HTTP_BODY_COST_PER_BYTE;
        if (!reservation.tryGrow(cost)) return stop(overBudget(cost));
        chunks.push(chunk);
      }
      const excess = scanner.feed(chunk);
      if (excess) stop(misshapen(excess, shape));
    }
    function onEnd() {
      unlisten();
      if (whole) {
        if (received !== whole.length) reject(lengthMismatch());
        else resolve(whole);
      } else {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
      }
    }
    function onError(error: Error) {
      stop(new AppError("INVALID_REQUEST", "the body could not be read", { cause: error }));
    }
    function onClose() {
      // 'end' comes first for a body read whole; a close without it is the client leaving.
      stop(clientGone());
    }
    payload.on("data", onData);
    payload.once("end", onEnd);
    payload.once("error", onError);
    payload.once("close", onClose);
    if (payload.destroyed) return stop(clientGone());
    payload.resume();
  });
}

const lengthMismatch = () =>
  invalid("the body's length differs from its Content-Length", "content-length mismatch");

/**
 * `value` (the request's validated body, or a part of it) with the image data URIs the parser
 * cut out put back as bytes. Call it on what a route hands the service, after the schema.
 */
export function bodyWithDataUris<T>(request: FastifyRequest, value: T): T {
  return request.dataUris ? restoreDataUris(value, request.dataUris) : value;
}

/**
 * `value` (a part of the request's validated body that is not images, but free JSON the
 * service reads as text) with the data URIs the parser cut out of it put back as the strings
 * JSON.parse would have made. Call it before {@link bodyWithDataUris} on the whole body.
 */
export function textWithDataUris<T>(request: FastifyRequest, value: T): T {
  return request.dataUris ? restoreDataUris(value, request.dataUris, "text") : value;
}
