import { createHash } from "node:crypto";

/**
 * Deterministic, stateless randomness for the trainer. Every "random" choice (the rejected
 * sample, which surplus example to drop, the held-out split) is a hash of its seed and the
 * item's identity, so it does not depend on input order, process restarts or Math.random.
 */

/** Lower-case hex SHA-256 of the parts, unambiguous for any mix of strings and numbers. */
export function hashHex(...parts: readonly (string | number)[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** A point in [0, 1) from the first 48 bits of SHA-256 of the parts. */
export function unitPoint(...parts: readonly (string | number)[]): number {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** An index in [0, n) drawn from the parts; throws when n < 1. */
export function seededIndex(n: number, ...parts: readonly (string | number)[]): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`cannot pick among ${n} items`);
  return Math.floor(unitPoint(...parts) * n);
}
