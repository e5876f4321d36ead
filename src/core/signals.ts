/**
 * Abort signals for calls that nest: a verdict's request, its orders, each replica attempt.
 * Everything here is built to stay cheap per call, because it runs several times per verdict
 * (loadtest/RESULTS.md measured it):
 * - no AbortSignal.any: its listeners on a long-lived parent live until garbage collection,
 *   while `dispose` here detaches a child the moment its call ends;
 * - a link adds one listener per parent given, nothing for an absent one;
 * - the long-lived shutdown signal has one listener in all, however many calls follow it.
 */

/** Anything that can be aborted with a reason: an AbortController or a LinkedSignal. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/** Node fires longer timers at once; a deadline that far off is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const NO_PARENTS: readonly (AbortSignal | undefined)[] = [];

/**
 * A signal of its own that aborts when one of its parents aborts (with that parent's reason,
 * at once when one already has), when its deadline passes, when the shutdown it follows
 * aborts, or when `abort` is called. `dispose` lets go of parents, timer and shutdown once
 * the call has ended; the signal itself stays as it is.
 */
export class LinkedSignal implements Abortable {
  readonly #controller = new AbortController();
  readonly #parents: readonly (AbortSignal | undefined)[];
  readonly #follow: ((event: Event) => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #shutdownFollowers: Set<Abortable> | undefined;
  #expired = false;

  constructor(parents: readonly (AbortSignal | undefined)[] = NO_PARENTS) {
    this.#parents = NO_PARENTS;
    let present = false;
    for (const parent of parents) {
      if (parent?.aborted) {
        this.#controller.abort(parent.reason);
        return;
      }
      if (parent) present = true;
    }
    if (!present) return;
    // Our own copy, made only for a link that follows something (this runs several times per
    // verdict): dispose must detach from the parents it attached to, whatever the caller's
    // array holds by then.
    const followed = [...parents];
    this.#parents = followed;
    const follow = (event: Event) => this.#controller.abort((event.target as AbortSignal).reason);
    this.#follow = follow;
    for (const parent of followed) parent?.addEventListener("abort", follow, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once the deadline passed, even when something else had aborted the signal first. */
  get expired(): boolean {
    return this.#expired;
  }

  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  /**
   * Aborts with `reason()` `ms` from now (the reason is made only if it fires); one deadline
   * per signal. The timer is unref'd unless `keepAlive`: a deadline alone does not hold the
   * process open.
   */
  expireAfter(ms: number, reason: () => unknown, keepAlive = false): this {
    if (!(ms <= MAX_TIMER_MS)) return this;
    // A static function with arguments rather than one more closure per call.
    const timer = setTimeout(LinkedSignal.#expire, ms, this, reason);
    if (!keepAlive) timer.unref();
    this.#timer = timer;
    return this;
  }

  static #expire(this: void, linked: LinkedSignal, reason: () => unknown): void {
    linked.#expired = true;
    linked.#controller.abort(reason());
  }

  /** Aborts with `shutdown`'s reason when it aborts (see `followShutdown`); none: a no-op. */
  followShutdown(shutdown: AbortSignal | undefined): this {
    if (!shutdown) return this;
    if (shutdown.aborted) this.#controller.abort(shutdown.reason);
    else this.#shutdownFollowers = shutdownFollowers(shutdown).add(this);
    return this;
  }

  /** Stops following parents and shutdown and clears the deadline; the signal stays as is. */
  dispose(): void {
    clearTimeout(this.#timer);
    const follow = this.#follow;
    if (follow) for (const parent of this.#parents) parent?.removeEventListener("abort", follow);
    this.#shutdownFollowers?.delete(this);
  }
}

/** A signal that follows every given parent (absent ones are skipped); see LinkedSignal. */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  return new LinkedSignal(parents);
}

/** A signal that aborts with `reason()` after `ms` (unref'd timer); see LinkedSignal. */
export function deadlineSignal(ms: number, reason: () => unknown): LinkedSignal {
  return new LinkedSignal().expireAfter(ms, reason);
}

const followersBySignal = new WeakMap<AbortSignal, Set<Abortable>>();

/**
 * Makes `follower` abort, with `shutdown`'s reason, when the long-lived `shutdown` signal
 * aborts; returns how to stop following once the call has ended. Every in-flight call
 * follows the same signal through one listener on it and a set, instead of a listener added
 * and removed per call (EventTarget bookkeeping cost more per verdict than the set;
 * loadtest/RESULTS.md).
 */
export function followShutdown(shutdown: AbortSignal, follower: Abortable): () => void {
  if (shutdown.aborted) {
    follower.abort(shutdown.reason);
    return () => {};
  }
  const followers = shutdownFollowers(shutdown).add(follower);
  return () => followers.delete(follower);
}

function shutdownFollowers(shutdown: AbortSignal): Set<Abortable> {
  const known = followersBySignal.get(shutdown);
  if (known) return known;
  const followers = new Set<Abortable>();
  followersBySignal.set(shutdown, followers);
  const abortAll = () => {
    for (const follower of followers) follower.abort(shutdown.reason);
    followers.clear();
  };
  shutdown.addEventListener("abort", abortAll, { once: true });
  return followers;
}
