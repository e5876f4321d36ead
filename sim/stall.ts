/**
 * A hung GPU: while stalled, completions that reach `hold` wait, answering nothing, until the
 * stall is lifted, their own signal aborts (the client gave up) or `shutdown` is called. The
 * last matters because a held request never finishes, so without it closing the server would
 * wait forever.
 */
export function createStall() {
  let stalled = false;
  const held = new Set<() => void>();
  const closing = new AbortController();

  function wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        held.delete(lifted);
        reject(signal.reason);
      };
      const lifted = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      held.add(lifted);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    /** Starts or lifts the stall; lifting lets every held request go on. */
    set(value: boolean): void {
      stalled = value;
      if (stalled) return;
      for (const lift of held) lift();
      held.clear();
    },
    /**
     * Resolves at once when not stalled; otherwise when the stall is lifted. Rejects with the
     * abort reason when `signal` aborts or the stall was shut down first.
     */
    hold(signal: AbortSignal): Promise<void> {
      if (!stalled) return Promise.resolve();
      const either = AbortSignal.any([signal, closing.signal]);
      if (either.aborted) return Promise.reject(either.reason);
      return wait(either);
    },
    /** Rejects every held request, now and from now on: the server is closing. */
    shutdown(): void {
      closing.abort(new Error("the simulated engine is closing"));
    },
    /** How many requests are held right now. */
    size: () => held.size,
  };
}

export type Stall = ReturnType<typeof createStall>;
