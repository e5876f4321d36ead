import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";

/**
 * A scan of a protobuf message's wire format that refuses, before protobuf-es decodes it, a
 * message wider than any valid request: too many elements in a repeated field, too many fields
 * at all, too many fields the schema does not know. protobuf-es `fromBinary` builds an object
 * per element and keeps every unknown field, so 10 MB of empty `images` entries (`12 00` × 5M)
 * cost it 2.8 s of blocked event loop and 670 MB; this scan reads tags and lengths only,
 * allocates nothing per field, and stops at the first field over a limit.
 *
 * The scan reads what `fromBinary` would read, field for field: protobuf-es reads a known field
 * by its declared type whatever wire type the tag says, so a known field under another wire
 * type (which would make the two disagree about where the next field starts) is refused, as are
 * groups (no message of this API has one) and anything cut short or overrunning its message.
 */

/** How wide a received message may be. */
export interface WireLimits {
  /** Most fields one message (and each nested message) may carry; each repeated element counts. */
  maxFields: number;
  /** Most fields of numbers the schema does not know, per message (protobuf-es keeps them all). */
  maxUnknownFields: number;
  /** Most elements of a repeated field: by message type name, then field local name. */
  repeated: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/** Why a message was refused before decoding: the field over a limit, when there is one. */
export interface WireLimitBreach {
  /** Dotted, as the request checks name fields (`images`, `request.images`); none for the framing. */
  path?: string;
  reason: string;
}

/** What the scan counts in one message; a singular message field sent twice is merged. */
interface Tally {
  fields: number;
  unknown: number;
  /** Elements so far, by field number. */
  elements: Map<number, number>;
  /** The tally of a singular message field, shared by its occurrences as protobuf-es merges them. */
  merged: Map<number, Tally>;
}

const newTally = (): Tally => ({ fields: 0, unknown: 0, elements: new Map(), merged: new Map() });

/** The scan stops at the first breach; a thrown one unwinds nested messages to the top. */
class Breach extends Error {
  constructor(readonly breach: WireLimitBreach) {
    super(breach.reason);
  }
}

function framing(reason: string, at: number): never {
  throw new Breach({ reason: `${reason} at byte ${at}` });
}

/** A cursor over `bytes` that throws a framing breach when a read runs past `end`. */
class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  /** A varint of at most `maxBytes` bytes, as a number (exact up to 2^53; lengths are 32-bit). */
  varint(end: number, maxBytes: number): number {
    const start = this.at;
    let value = 0;
    let scale = 1;
    for (let read = 0; read < maxBytes; read++) {
      if (this.at >= end) framing("a varint cut short", start);
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return framing("a varint too long", start);
  }

  skip(count: number, end: number): void {
    if (count > end - this.at) framing("a field running past the end of its message", this.at);
    this.at += count;
  }
}

/** The wire type a non-repeated scalar is written with. */
function scalarWireType(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

/** The scalar type of a field's values (enums are int32 varints), or undefined for messages. */
function valueScalar(field: DescField): ScalarType | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return field.scalar;
    case "enum":
      return ScalarType.INT32;
    case "list":
      return field.listKind === "scalar"
        ? field.scalar
        : field.listKind === "enum"
          ? ScalarType.INT32
          : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether protobuf-es reads `field` from what `wireType` frames: its own wire type, or packed
 * (length-delimited) for a list of numbers. Never for a group-encoded (delimited) message field:
 * proto3 has none, and the scan would not follow one.
 */
function readsAs(field: DescField, wireType: number): boolean {
  if (
    (field.fieldKind === "message" ||
      (field.fieldKind === "list" && field.listKind === "message")) &&
    field.delimitedEncoding
  ) {
    return false;
  }
  const scalar = valueScalar(field);
  if (scalar === undefined) return wireType === WireType.LengthDelimited;
  return (
    wireType === scalarWireType(scalar) ||
    (isPackable(field) && wireType === WireType.LengthDelimited)
  );
}

/** A list of numbers (or enums), which may come packed in one length-delimited field. */
function isPackable(field: DescField): boolean {
  const scalar = valueScalar(field);
  return (
    field.fieldKind === "list" &&
    scalar !== undefined &&
    scalarWireType(scalar) !== WireType.LengthDelimited
  );
}

/** Values in a packed payload of `length` bytes at the cursor (left where it was). */
function packedCount(field: DescField, cursor: Cursor, length: number): number {
  const wire = scalarWireType(valueScalar(field)!);
  if (wire === WireType.Bit32 || wire === WireType.Bit64) {
    const size = wire === WireType.Bit32 ? 4 : 8;
    if (length % size !== 0) framing("a packed field of partial values", cursor.at);
    return length / size;
  }
  let count = 0;
  for (let at = cursor.at; at < cursor.at + length; at++) {
    if (cursor.bytes[at]! < 0x80) count++;
  }
  return count;
}

const fieldsByNumber = new WeakMap<DescMessage, Map<number, DescField>>();

/** `schema`'s field numbered `number` (oneof members included), or undefined if it has none. */
function fieldNumbered(schema: DescMessage, number: number): DescField | undefined {
  let fields = fieldsByNumber.get(schema);
  if (!fields) {
    fields = new Map(schema.fields.map((field) => [field.number, field]));
    fieldsByNumber.set(schema, fields);
  }
  return fields.get(number);
}

const join = (path: string | undefined, name: string | number) =>
  path === undefined ? String(name) : `${path}.${name}`;

function over(path: string | undefined, limit: number, what: string): never {
  const reason = `more than ${limit} ${what}; refused before decoding`;
  throw new Breach(path === undefined ? { reason } : { path, reason });
}

/** Deeper than any message of this API nests (PairwiseStreamRequest → request → images). */
const MAX_DEPTH = 16;

/** One message, or the part of a merged one in [cursor.at, end); `path` undefined at the top. */
interface Scan {
  schema: DescMessage;
  cursor: Cursor;
  end: number;
  tally: Tally;
  limits: WireLimits;
  path: string | undefined;
  depth: number;
}

function scanMessage(scan: Scan): void {
  const { schema, cursor, end, tally, limits, path } = scan;
  if (scan.depth > MAX_DEPTH) framing("messages nested too deep", cursor.at);
  while (cursor.at < end) {
    const tagAt = cursor.at;
    const tag = cursor.varint(end, 5);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (tag > 0xffff_ffff || number === 0) framing("an invalid field tag", tagAt);
    if (++tally.fields > limits.maxFields) over(path, limits.maxFields, "fields");
    const field = fieldNumbered(schema, number);
    if (field === undefined) {
      if (++tally.unknown > limits.maxUnknownFields) {
        over(path, limits.maxUnknownFields, "fields unknown to the schema");
      }
    } else if (!readsAs(field, wireType)) {
      framing(`field ${field.localName} (${number}) under wire type ${wireType}`, tagAt);
    }
    switch (wireType) {
      case WireType.Varint:
        cursor.varint(end, 10);
        if (field !== undefined) countElements(scan, field, 1);
        break;
      case WireType.Bit64:
      case WireType.Bit32:
        cursor.skip(wireType === WireType.Bit64 ? 8 : 4, end);
        if (field !== undefined) countElements(scan, field, 1);
        break;
      case WireType.LengthDelimited: {
        const length = cursor.varint(end, 5);
        if (length > end - cursor.at) {
          framing("a field running past the end of its message", cursor.at);
        }
        if (field !== undefined) scanLengthDelimited(scan, field, length);
        cursor.skip(length, end);
        break;
      }
      default:
        // Groups (3, 4): no message of this API has one. 6 and 7 are no wire type at all.
        framing(`wire type ${wireType}`, tagAt);
    }
  }
}

/** Counts and scans what a known length-delimited field holds; leaves the cursor where it was. */
function scanLengthDelimited(scan: Scan, field: DescField, length: number): void {
  const { cursor, limits } = scan;
  const start = cursor.at;
  const nested = { cursor, end: start + length, limits, depth: scan.depth + 1 };
  if (field.fieldKind === "list" && field.listKind === "message") {
    const index = countElements(scan, field, 1);
    const path = join(join(scan.path, field.localName), index);
    scanMessage({ ...nested, schema: field.message, tally: newTally(), path });
  } else if (field.fieldKind === "message") {
    // protobuf-es merges a singular message field sent more than once: so are its counts.
    let merged = scan.tally.merged.get(field.number);
    if (!merged) {
      merged = newTally();
      scan.tally.merged.set(field.number, merged);
    }
    const path = join(scan.path, field.localName);
    scanMessage({ ...nested, schema: field.message, tally: merged, path });
  } else {
    // A string or bytes (one element of a list of them), a map entry, or packed numbers.
    countElements(scan, field, isPackable(field) ? packedCount(field, cursor, length) : 1);
  }
  cursor.at = start;
}

/**
 * Adds `count` elements of `field` when it is repeated (a list or a map); throws when that
 * takes it past its limit. Returns the index of the first one added.
 */
function countElements(scan: Scan, field: DescField, count: number): number {
  if (field.fieldKind !== "list" && field.fieldKind !== "map") return 0;
  const before = scan.tally.elements.get(field.number) ?? 0;
  scan.tally.elements.set(field.number, before + count);
  const limit = scan.limits.repeated.get(scan.schema.typeName)?.[field.localName];
  if (limit !== undefined && before + count > limit) {
    over(join(scan.path, field.localName), limit, "entries");
  }
  return before;
}

/**
 * The first way `bytes`, read as a `schema` message, is wider than `limits` allow or is not
 * framed as protobuf-es would read it; undefined when it is neither (it may still fail to
 * decode, e.g. a string that is not UTF-8, which protobuf-es reports).
 */
export function wireLimitBreach(
  schema: DescMessage,
  bytes: Uint8Array,
  limits: WireLimits,
): WireLimitBreach | undefined {
  try {
    const cursor = new Cursor(bytes, 0);
    const tally = newTally();
    scanMessage({ schema, cursor, end: bytes.length, tally, limits, path: undefined, depth: 0 });
    return undefined;
  } catch (error) {
    if (error instanceof Breach) return error.breach;
    throw error;
  }
}
