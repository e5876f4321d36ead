import { AppError, type ErrorDetail } from "../core/errors.ts";

/**
 * Checks of a decoded request, transport-free, for transports that decode typed messages
 * (gRPC) rather than validate JSON with a schema (HTTP). Each problem is worded, and problems
 * are found in the order, that HTTP's zod schemas report them, so a request refused by both
 * transports is refused with the same details; test/src/grpc/request-parity.test.ts holds the
 * two to it. The wording of Jurist's own rules is exported here for the HTTP schemas to use.
 */

export const NON_BLANK = "must contain a non-whitespace character";
export const IMAGE_URL_RULE = "must be a data:image/(png|jpeg|webp|gif);base64 URI or http(s) URL";

const tooShort = (min: number) => `Too small: expected string to have >=${min} characters`;
const tooLong = (max: number) => `Too big: expected string to have <=${max} characters`;
const tooFew = (min: number) => `Too small: expected array to have >=${min} items`;
const tooMany = (max: number) => `Too big: expected array to have <=${max} items`;
const MISSING_TEXT = "Invalid input: expected string, received undefined";

export interface TextRule {
  min?: number;
  max?: number;
  /** The text must have a non-whitespace character. */
  nonBlank?: boolean;
  /** The text must match; `message` says how. */
  pattern?: { regex: RegExp; message: string };
}

/**
 * The problems of one request, in the order found. A problem that `stops` (a missing value, an
 * unknown option, too many items) means the request-wide rules are not checked, as zod skips
 * refinements of an object with such an issue.
 */
export function requestProblems() {
  const found: ErrorDetail[] = [];
  let stopped = false;

  const add = (path: string, reason: string, stops = false) => {
    found.push({ path, reason });
    stopped ||= stops;
  };

  const text = (path: string, value: string, rule: TextRule) => {
    if (rule.min !== undefined && value.length < rule.min) add(path, tooShort(rule.min));
    if (rule.max !== undefined && value.length > rule.max) add(path, tooLong(rule.max));
    if (rule.nonBlank && !/\S/.test(value)) add(path, NON_BLANK);
    if (rule.pattern && !rule.pattern.regex.test(value)) add(path, rule.pattern.message);
  };

  return {
    add,
    text,
    /** A text that may be missing (a proto oneof left unset): missing is a stopping problem. */
    presentText(path: string, value: string | undefined, rule: TextRule) {
      if (value === undefined) add(path, MISSING_TEXT, true);
      else text(path, value, rule);
    },
    /**
     * A list of `min` to `max` items, each checked by `item`. Too many is reported alone and
     * stops (items are not read); too few is reported after the items' own problems.
     */
    list<T>(
      path: string,
      items: readonly T[],
      bounds: { min?: number; max: number },
      item: (value: T, path: string) => void,
    ) {
      if (items.length > bounds.max) return add(path, tooMany(bounds.max), true);
      for (const [index, value] of items.entries()) item(value, `${path}.${index}`);
      if (bounds.min !== undefined && items.length < bounds.min) add(path, tooFew(bounds.min));
    },
    /** Exactly `length` items: too few is reported alone, too many before the first items'. */
    tuple<T>(
      path: string,
      items: readonly T[],
      length: number,
      item: (value: T, path: string) => void,
    ) {
      if (items.length < length) return add(path, tooFew(length));
      if (items.length > length) add(path, tooMany(length));
      for (const [index, value] of items.slice(0, length).entries())
        item(value, `${path}.${index}`);
    },
    /** One of `options`; anything else stops. */
    option(path: string, value: string, options: readonly string[]) {
      if (options.includes(value)) return;
      const expected = options.map((o) => JSON.stringify(o)).join("|");
      add(path, `Invalid option: expected one of ${expected}`, true);
    },
    /** A whole number from `min` to `max`. */
    integer(path: string, value: number, min: number, max: number) {
      if (!Number.isInteger(value))
        return add(path, "Invalid input: expected int, received number", true);
      if (value < min) add(path, `Too small: expected number to be >=${min}`);
      if (value > max) add(path, `Too big: expected number to be <=${max}`);
    },
    /** Whether a stopping problem was found: request-wide rules are then not checked. */
    stopped: () => stopped,
    /** Throws 400 INVALID_REQUEST listing every problem, as HTTP does for a body. */
    throwIfAny(): void {
      if (found.length === 0) return;
      throw new AppError("INVALID_REQUEST", "the request does not match the schema", {
        details: found,
      });
    },
  };
}

export type RequestProblems = ReturnType<typeof requestProblems>;
