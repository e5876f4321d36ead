/**
 * How long this process's own event loop stood still, as a health probe needs to know it: a
 * probe whose timeout fired while the loop was blocked (a large body parsed, a burst of work)
 * timed out here, not at the replica. After a stall, libuv runs due timers before it reads
 * sockets, so the probe's timeout fires even when the replica's answer has been waiting.
 *
 * A heartbeat timer measures it: each tick notes how late it ran; a late tick is a stall that
 * ended then. A stall still ending (the loop just woke, the heartbeat not yet run) is seen too,
 * as the time since the last tick.
 */
export interface LoopStalls {
  /** The longest stall that overlapped the time since `since` (a `performance.now()`), ms. */
  longestSince(since: number): number;
  /** Stops the heartbeat. */
  stop(): void;
}

/** How often the heartbeat ticks, ms: cheap (20 wake-ups a second), fine enough for probes. */
const HEARTBEAT_MS = 50;

/** Stalls remembered: probes look back one probe timeout, a few seconds at most. */
const REMEMBERED = 64;

/** A stall shorter than this is ordinary scheduling jitter, not worth remembering. */
const NOTEWORTHY_MS = 20;

/** Starts a heartbeat (unref'd: it never keeps the process alive). */
export function watchLoopStalls(heartbeatMs = HEARTBEAT_MS): LoopStalls {
  let lastTick = performance.now();
  // Each stall as [ended at, lasted ms], oldest first.
  const stalls: [number, number][] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - lastTick - heartbeatMs;
    lastTick = now;
    if (late < NOTEWORTHY_MS) return;
    stalls.push([now, late]);
    if (stalls.length > REMEMBERED) stalls.shift();
  }, heartbeatMs);
  timer.unref();

  return {
    longestSince(since) {
      const now = performance.now();
      // The stall the loop may be waking from right now, before the heartbeat saw it.
      let longest = Math.min(now - lastTick - heartbeatMs, now - since);
      for (const [endedAt, lasted] of stalls) {
        if (endedAt <= since) continue;
        longest = Math.max(longest, Math.min(lasted, endedAt - since));
      }
      return Math.max(0, longest);
    },
    stop: () => clearInterval(timer),
  };
}

let shared: LoopStalls | undefined;

/** The process's one watcher, started on first use; every fleet's poller reads it. */
export function processLoopStalls(): LoopStalls {
  shared ??= watchLoopStalls();
  return shared;
}
