import { createHash } from "node:crypto";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-case hex SHA-256 of `bytes`, the name a blob is stored under. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Whether `name` is a lower-case hex SHA-256; blob adapters accept no other names. */
export function isSha256Hex(name: string): boolean {
  return SHA256_HEX.test(name);
}

/**
 * Thrown by `BlobStore.put` when the bytes do not hash to the name given, or the name is not a
 * SHA-256. Permanent: retrying the same put can never succeed.
 */
export class BlobHashMismatchError extends Error {
  /** The name the caller asked to store under. */
  readonly expected: string;
  /** The SHA-256 of the bytes actually given. */
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(`blob bytes hash to ${actual}, not ${expected}`);
    this.name = "BlobHashMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** Throws BlobHashMismatchError unless `bytes` hash to `sha256`. */
export function assertBlobHash(sha256: string, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) throw new BlobHashMismatchError(sha256, actual);
}
