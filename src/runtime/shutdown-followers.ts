const followersBySignal = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Makes `controller` abort, with `shutdown`'s reason, when the long-lived `shutdown` signal
 * aborts; returns how to stop following once the call has ended. Every in-flight call of a
 * transport follows the same signal through one listener on it and a set, instead of a
 * listener added and removed per call (EventTarget bookkeeping cost more per verdict than the
 * set; loadtest/RESULTS.md).
 */
export function followShutdown(shutdown: AbortSignal, controller: AbortController): () => void {
  if (shutdown.aborted) {
    controller.abort(shutdown.reason);
    return () => {};
  }
  const followers = followersOf(shutdown);
  followers.add(controller);
  return () => followers.delete(controller);
}

function followersOf(shutdown: AbortSignal): Set<AbortController> {
  const known = followersBySignal.get(shutdown);
  if (known) return known;
  const followers = new Set<AbortController>();
  followersBySignal.set(shutdown, followers);
  const abortAll = () => {
    for (const controller of followers) controller.abort(shutdown.reason);
    followers.clear();
  };
  shutdown.addEventListener("abort", abortAll, { once: true });
  return followers;
}
