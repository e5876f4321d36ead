const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Follows the bracket depth of a JSON text fed in chunks of bytes, as they arrive, without
 * parsing it: `[` and `{` outside strings open a level, `]` and `}` close one; brackets inside
 * strings (escaped quotes included) do not count. Multi-byte UTF-8 sequences never contain
 * these ASCII bytes, so a byte scan is exact whatever the encoding of the strings.
 *
 * JSON.parse recurses once per level and builds every level before it can fail: 33 million `[`
 * cost it 37 s and 3 GB. This scan refuses such a body at the byte that crosses the limit,
 * before the rest of it is even read; a well-formed body costs one pass (string contents, most
 * of an image body, are skipped with a native `indexOf`).
 */
export interface JsonDepthScanner {
  /**
   * Scans `chunk`; returns true while the depth stays within the limit, false (for good) once
   * a bracket crossed it.
   */
  feed(chunk: Uint8Array): boolean;
  /** The deepest level seen so far. */
  readonly deepest: number;
}

export function createJsonDepthScanner(maxDepth: number): JsonDepthScanner {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  // A backslash ended the last chunk inside a string: the next byte is escaped.
  let escapePending = false;
  let exceeded = false;

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

  function feed(chunk: Uint8Array): boolean {
    if (exceeded) return false;
    let at = 0;
    while (at < chunk.length) {
      if (inString) {
        const end = skipString(chunk, at);
        if (end === -1) return true;
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
        if (depth > deepest) deepest = depth;
        if (depth > maxDepth) {
          exceeded = true;
          return false;
        }
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        // Unbalanced closers are JSON.parse's to refuse; the depth only needs a floor.
        if (depth > 0) depth -= 1;
      }
    }
    return true;
  }

  return {
    feed,
    get deepest() {
      return deepest;
    },
  };
}

/** Backslashes immediately before `end`, not looking before `start`. */
function backslashRun(chunk: Uint8Array, end: number, start: number): number {
  let count = 0;
  for (let at = end - 1; at >= start && chunk[at] === BACKSLASH; at -= 1) count += 1;
  return count;
}
