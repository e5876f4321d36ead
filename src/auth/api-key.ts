import { createHash, randomBytes } from "node:crypto";
import type { KeyRecord, KeyScope } from "../store/key-store.ts";

const KEY_PREFIX = "jur_";

/** The SHA-256 (hex) under which a plain key is stored and looked up. */
export function hashApiKey(plain: string): string {
  return createHash("sha256").update(plain).digest("hex");
}

/**
 * A fresh API key: the plain key (shown once, never stored) and the record to store, which
 * holds only its hash. 32 random bytes make hashing without a salt safe against guessing.
 */
export function generateApiKey(
  tenant: string,
  scope: KeyScope,
): { plain: string; record: KeyRecord } {
  const plain = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return {
    plain,
    record: {
      id: `key_${randomBytes(8).toString("hex")}`,
      tenant,
      scope,
      hash: hashApiKey(plain),
      created: Date.now(),
    },
  };
}
