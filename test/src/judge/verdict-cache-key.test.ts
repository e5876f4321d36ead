import { createHash } from "node:crypto";
import fc from "fast-check";
import t from "tap";
import type { Verdict } from "../../../src/judge/verdict.ts";
import {
  exchangeResponses,
  VERDICT_RECORD_VERSION,
  verdictCacheKey,
} from "../../../src/judge/verdict-cache-key.ts";

const base = {
  checkpoint: "ckpt",
  template: "pairwise-v1",
  mode: "reasoned" as const,
  swap: true,
  seed: undefined,
  question: "How many?",
  rubric: undefined,
  imageHashes: ["a".repeat(64)],
  responses: ["three", "five"] as [string, string],
};

t.test("A and B exchanged share one key when both orders are judged", async (t) => {
  const forward = verdictCacheKey(base);
  const backward = verdictCacheKey({ ...base, responses: ["five", "three"] });
  t.equal(forward.key, backward.key);
  t.not(forward.swapped, backward.swapped, "exactly one of them is in reverse order");
});

t.test("with swap off the order is part of the key", async (t) => {
  const forward = verdictCacheKey({ ...base, swap: false });
  const backward = verdictCacheKey({ ...base, swap: false, responses: ["five", "three"] });
  t.not(forward.key, backward.key);
  t.equal(forward.swapped, false);
  t.equal(backward.swapped, false);
});

t.test("every input field changes the key", async (t) => {
  const key = verdictCacheKey(base).key;
  const variants = [
    { checkpoint: "other" },
    { template: "pairwise-v2" },
    { mode: "fast" as const },
    { swap: false },
    { seed: 7 },
    { question: "How many cats?" },
    { rubric: "be strict" },
    { imageHashes: ["b".repeat(64)] },
    { imageHashes: [] },
    { responses: ["three", "six"] as [string, string] },
  ];
  for (const variant of variants) {
    t.not(verdictCacheKey({ ...base, ...variant }).key, key, JSON.stringify(variant));
  }
});

function verdict(p: number, winner: "A" | "B" | "tie"): Verdict {
  return {
    id: "vrd_x",
    outcome: "ok",
    winner,
    probabilityA: p,
    consistent: winner !== "tie",
    reasoning: "ab reasoning",
    orders: [
      { order: "AB", outcome: "ok", winner: "A", probabilityA: 0.8, reasoning: "ab reasoning" },
      { order: "BA", outcome: "ok", winner: "A", probabilityA: 0.7, reasoning: "ba reasoning" },
    ],
    checkpoint: "ckpt",
    template: "pairwise-v1",
    mode: "reasoned",
    cached: false,
    simulated: true,
    latencyMs: 1,
  };
}

t.test("exchanging responses maps the verdict back", async (t) => {
  const swapped = exchangeResponses(verdict(0.75, "A"));
  t.equal(swapped.winner, "B");
  t.equal(swapped.probabilityA, 0.25);
  t.same(
    swapped.orders.map((o) => [o.order, o.winner, o.probabilityA, o.reasoning]),
    [
      ["AB", "B", 0.30000000000000004, "ba reasoning"],
      ["BA", "B", 0.19999999999999996, "ab reasoning"],
    ],
  );
  t.equal(swapped.reasoning, "ba reasoning", "the caller-order reasoning follows the order");
  t.equal(exchangeResponses(verdict(0.5, "tie")).winner, "tie");
});

t.test("exchanging twice is the identity", async (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom("A", "B", "tie"),
      (p, w) => {
        const original = verdict(p, w as "A" | "B" | "tie");
        const back = exchangeResponses(exchangeResponses(original));
        return (
          back.winner === original.winner &&
          Math.abs((back.probabilityA ?? 0) - (original.probabilityA ?? 0)) < 1e-12 &&
          back.orders[0]?.reasoning === "ab reasoning"
        );
      },
    ),
  );
  t.pass("property held");
});

t.test(
  "keys carry the record version: entries of the unversioned format are never found",
  async (t) => {
    // The key before records were versioned: the same parts without the version, hashed alike.
    // A gateway of that release writes bare HTTP JSON under it and reads whatever it finds there.
    const key = verdictCacheKey(base);
    const [a, b] = base.responses;
    const parts = [
      base.checkpoint,
      base.template,
      base.mode,
      base.swap,
      null,
      base.question,
      null,
      base.imageHashes,
      key.swapped ? [b, a] : [a, b],
    ];
    const unversioned = createHash("sha256").update(JSON.stringify(parts)).digest("hex");
    t.not(key.key, unversioned);
    const versioned = JSON.stringify([VERDICT_RECORD_VERSION, ...parts]);
    t.equal(key.key, createHash("sha256").update(versioned).digest("hex"), "the version leads");
  },
);
