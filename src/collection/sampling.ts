import { createHash } from "node:crypto";

const digest = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest();

/**
 * The content hash a prompt collapses on (hex SHA-256 of question, image hashes and
 * responses), as `PromptRecord.contentHash`. The tenant is left out: the same prompt from two
 * tenants is one training example.
 */
export function promptContentHash(
  question: string,
  imageHashes: readonly string[],
  responses: readonly [string, string],
): string {
  return digest([question, imageHashes, responses]).toString("hex");
}

/**
 * Where a tenant's prompt falls in [0, 1): the first 48 bits of SHA-256(tenant, content hash).
 * A prompt is sampled when this is below its tenant's rate, so the same prompt is always in or
 * always out, and over many distinct prompts the share sampled approaches the rate.
 */
export function samplingPoint(tenant: string, contentHash: string): number {
  return digest([tenant, contentHash]).readUIntBE(0, 6) / 2 ** 48;
}

/** The sampling rate for `tenant`: its own when configured (0 = opted out), else the default. */
export function tenantRate(
  tenant: string,
  defaultRate: number,
  tenantRates: Readonly<Record<string, number>>,
): number {
  // Object.hasOwn: a tenant named "constructor" must not read Object.prototype.
  return Object.hasOwn(tenantRates, tenant) ? tenantRates[tenant]! : defaultRate;
}
