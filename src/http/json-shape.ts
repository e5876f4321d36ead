const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** The most a JSON body may hold before it is parsed (JURIST_JSON_MAX_DEPTH, _MAX_VALUES). */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most array elements and object members, an empty array or object counting as one. */
  maxValues: number;
}

/** The limit a body crossed. */
export type JsonShapeExcess = "depth" | "values";

/**
 * Follows the shape of a JSON text fed in chunks of bytes, as they arrive, without parsing it:
 * its bracket depth (`[` and `{` outside strings open a level, `]` and `}` close one) and its
 * count of values (each `[`, `{` and `,` outside strings: every array element and object
 * member, an empty `[]` or `{}` counting as one). Brackets and commas inside strings (escaped
 * quotes included) do not count. Multi-byte UTF-8 sequences never contain these ASCII bytes,
 * so a byte scan is exact whatever the encoding of the strings.
 *
 * JSON.parse builds every value before anything can refuse the body: 33 million `[` cost it
 * 37 s and 3 GB, and a 21 MB body of `[{},{},…]` (7 million objects) 2.9 s and 636 MB before
 * the schema said it was no request. This scan refuses such a body at the byte that crosses
 * a limit, before the rest of it is even read; a well-formed body costs one pass (string
 * contents, most of an image body, are skipped with a native `indexOf`).
 */
export interface JsonShapeScanner {
  /**
   * Scans `chunk`; null while the text stays within the limits, else the limit it crossed
   * (for good: later chunks are not scanned).
   */
  feed(chunk: Uint8Array): JsonShapeExcess | null;
  /** The deepest level seen so far. */
  readonly deepest: number;
  /** Array elements and object members seen so far (an empty one counting as one). */
  readonly values: number;
}

export function createJsonShapeScanner(limits: JsonShapeLimits): JsonShapeScanner {
  const { maxDepth, maxValues } = limits;
  let depth = 0;
  let deepest = 0;
  let values = 0;
  let inString = false;
  // A backslash ended the last chunk inside a string: the next byte is escaped.
  let escapePending = false;
  let excess: JsonShapeExcess | null = null;

  /** Where the string that is open at `from` ends (the index after its closing quote), or -1. */
  function skipString(chunk: Uint8Array, from: number): number {
    let at = from;
    if (escapePending) {
      escapePending = false;
      at += 1;
    }
    while (at < chunk.length) {
      const quote = chunk.indexOf(QUOTE, at);
      if (quote === -1) {
        escapePending = backslashRun(chunk, chunk.length, at) % 2 === 1;
        return -1;
      }
      // A quote after an odd run of backslashes is escaped and does not close the string.
      if (backslashRun(chunk, quote, at) % 2 === 0) return quote + 1;
      at = quote + 1;
    }
    return -1;
  }

  function feed(chunk: Uint8Array): JsonShapeExcess | null {
    if (excess) return excess;
    let at = 0;
    while (at < chunk.length) {
      if (inString) {
        const end = skipString(chunk, at);
        if (end === -1) return null;
        inString = false;
        at = end;
        continue;
      }
      const byte = chunk[at]!;
      at += 1;
      if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        depth += 1;
        values += 1;
        if (depth > deepest) deepest = depth;
        if (depth > maxDepth) excess = "depth";
        else if (values > maxValues) excess = "values";
        if (excess) return excess;
      } else if (byte === COMMA) {
        values += 1;
        if (values > maxValues) {
          excess = "values";
          return excess;
        }
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        // Unbalanced closers are JSON.parse's to refuse; the depth only needs a floor.
        if (depth > 0) depth -= 1;
      }
    }
    return null;
  }

  return {
    feed,
    get deepest() {
      return deepest;
    },
    get values() {
      return values;
    },
  };
}

/** Backslashes immediately before `end`, not looking before `start`. */
function backslashRun(chunk: Uint8Array, end: number, start: number): number {
  let count = 0;
  for (let at = end - 1; at >= start && chunk[at] === BACKSLASH; at -= 1) count += 1;
  return count;
}
