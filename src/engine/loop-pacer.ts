import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Bytes worked through before the event loop is let turn: about a millisecond of decoding,
 * hashing or scanning a data URI. A request of eight images of several megabytes each, worked
 * in one synchronous run, held the loop for hundreds of milliseconds under load (`/healthz`
 * and the replicas' health probes waited that long behind it; loadtest/README.md,
 * hardening-memory); a request of small images never reaches it, and pays no loop turn.
 */
export const LOOP_TURN_BYTES = 1024 * 1024;

/** Lets the event loop turn between pieces of synchronous work, once enough has been done. */
export interface LoopPacer {
  /**
   * Counts `bytes` of work just done; resolves after a turn of the event loop (timers, other
   * requests' I/O, probes) once {@link LOOP_TURN_BYTES} have been done since the last turn,
   * without one before that.
   */
  worked(bytes: number): Promise<void>;
}

/** A pacer for one piece of work (one request's images, one engine call's body). */
export function loopPacer(everyBytes: number = LOOP_TURN_BYTES): LoopPacer {
  let since = 0;
  return {
    async worked(bytes) {
      since += bytes;
      if (since < everyBytes) return;
      since = 0;
      await nextTurn();
    },
  };
}

/**
 * Turns of the event loop for synchronous runs that cannot be split (JSON.parse of a large
 * body), one run per turn. Large bodies that finish arriving together (the loop was busy while
 * they came in) were each parsed at once, back to back in one turn: five 60 MB bodies held the
 * loop for all their parses. Taking a turn each, other requests and probes are served between.
 */
export interface TurnQueue {
  /** Resolves on a turn of the event loop of its own, after every earlier caller's turn. */
  next(): Promise<void>;
}

export function turnQueue(): TurnQueue {
  let last: Promise<void> = Promise.resolve();
  return {
    next() {
      // Chained on the previous turn, whose caller runs its work first (its await was
      // registered first), so this turn's setImmediate is queued after that work: a turn later.
      const turn = last.then(() => nextTurn());
      last = turn;
      return turn;
    },
  };
}
