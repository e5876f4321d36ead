import { AppError } from "./errors.ts";

/**
 * The bytes one request holds against the process's in-flight budget: its body as read, what
 * was parsed from it, its decoded images. Grows as the request learns what it costs; released
 * once, when the request ends (answered, failed or abandoned). Release is idempotent.
 */
export interface Reservation {
  /** Bytes held now. */
  readonly bytes: number;
  /** Holds `bytes` more; false (nothing held) when the budget cannot take them. */
  tryGrow(bytes: number): boolean;
  /** Holds `bytes` more, or throws AppError OVERLOADED (Retry-After 1 s) when it cannot. */
  grow(bytes: number): void;
  /** Gives every held byte back; later calls do nothing, later grows are refused. */
  release(): void;
}

/** What a refusal tells its observer. */
export interface InflightRefusal {
  /** Bytes asked for. */
  requested: number;
  /** Bytes held by every request at the time. */
  used: number;
  limit: number;
}

/** A process-wide budget of in-flight request bytes, shared by both transports. */
export interface InflightBytes {
  readonly limit: number;
  /** Bytes held by every open reservation. */
  used(): number;
  /** Open reservations (requests holding bytes, or that will). */
  open(): number;
  /** A reservation holding `bytes` (0 is always admitted), or null when they do not fit. */
  tryReserve(bytes: number): Reservation | null;
  /** A reservation holding `bytes`, or throws AppError OVERLOADED. */
  reserve(bytes: number): Reservation;
}

/** Holds nothing and refuses nothing: for callers with no budget (tests, the trainer). */
export const UNBUDGETED: Reservation = {
  bytes: 0,
  tryGrow: () => true,
  grow: () => {},
  release: () => {},
};

/**
 * The budget's refusal: an OVERLOADED AppError of its own class, so callers that answer items
 * one by one (a batch) can tell it from an item's own failure and fail the whole request.
 */
class OverBudget extends AppError {}

/** The refusal both transports answer: 503 OVERLOADED, Retry-After 1 s. */
export function overBudget(requested: number): AppError {
  return new OverBudget(
    "OVERLOADED",
    `the server is overloaded (memory: ${requested} more request bytes do not fit the in-flight budget)`,
    { retryAfterSeconds: 1 },
  );
}

/** Whether `error` is the in-flight budget refusing bytes (see `overBudget`). */
export function isOverBudget(error: unknown): boolean {
  return error instanceof OverBudget;
}

/**
 * A budget of `limit` bytes. A request that would take it past the limit is refused, never
 * queued: bytes come back only when other requests end, and a caller retrying after
 * `Retry-After` is cheaper than a body held in memory while it waits. `onRefused` sees each
 * refusal (the shed metric, reason `memory`).
 */
export function createInflightBytes(
  limit: number,
  onRefused: (refusal: InflightRefusal) => void = () => {},
): InflightBytes {
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new TypeError(`an in-flight byte budget must be a positive integer, got ${limit}`);
  }
  let used = 0;
  let open = 0;

  function admit(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (used + bytes > limit) {
      onRefused({ requested: bytes, used, limit });
      return false;
    }
    used += bytes;
    return true;
  }

  function reservation(initial: number): Reservation {
    let held = initial;
    let released = false;
    open += 1;
    const self: Reservation = {
      get bytes() {
        return held;
      },
      tryGrow(bytes) {
        // A request that has ended (its response closed) holds nothing and may start nothing:
        // growing after release would decode and judge outside the budget.
        if (released) return bytes <= 0;
        if (!admit(bytes)) return false;
        held += Math.max(0, bytes);
        return true;
      },
      grow(bytes) {
        if (!self.tryGrow(bytes)) throw overBudget(bytes);
      },
      release() {
        if (released) return;
        released = true;
        used -= held;
        held = 0;
        open -= 1;
      },
    };
    return self;
  }

  function tryReserve(bytes: number): Reservation | null {
    return admit(bytes) ? reservation(Math.max(0, bytes)) : null;
  }

  return {
    limit,
    used: () => used,
    open: () => open,
    tryReserve,
    reserve(bytes) {
      const held = tryReserve(bytes);
      if (!held) throw overBudget(bytes);
      return held;
    },
  };
}
