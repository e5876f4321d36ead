import { createHash } from "node:crypto";

/**
 * A deterministic pseudo-random source. Every outcome of the simulated engine draws from
 * one of these, seeded from the inputs it depends on, so a seed and a request always give
 * the same bytes and no `Math.random` decides anything.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n); n must be ≥ 1. */
  int(n: number): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** True with probability p. Always consumes one draw, so streams stay aligned. */
  chance(p: number): boolean;
  /** One element; throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/** SHA-256 (hex) of the parts, unambiguous for any mix of strings and numbers. */
export function digestHex(...parts: readonly (string | number)[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** A Random seeded from the SHA-256 of the parts (sfc32 over the first 128 bits). */
export function createRandom(...parts: readonly (string | number)[]): Random {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  const next = sfc32(
    digest.readUInt32BE(0),
    digest.readUInt32BE(4),
    digest.readUInt32BE(8),
    digest.readUInt32BE(12),
  );
  const random: Random = {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (min, max) => min + (max - min) * next(),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("cannot pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
  return random;
}

/** sfc32: small, fast, and good enough for simulation; state is four 32-bit words. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Mix the seed words before the first real draw.
  for (let i = 0; i < 12; i++) next();
  return next;
}
