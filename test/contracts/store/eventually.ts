import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `check` until it holds or `timeoutMs` passes; true when it held. For "it happens
 * eventually" assertions that must not depend on timing.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
