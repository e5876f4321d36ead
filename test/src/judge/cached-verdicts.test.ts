import { pino } from "pino";
import t from "tap";
import { type CacheResult, createCachedVerdicts } from "../../../src/judge/cached-verdicts.ts";
import type { Verdict } from "../../../src/judge/verdict.ts";
import {
  type CacheKeyInput,
  VERDICT_RECORD_VERSION,
} from "../../../src/judge/verdict-cache-key.ts";
import { createMemoryVerdictCache } from "../../../src/store/memory-verdict-cache.ts";

const input: CacheKeyInput = {
  checkpoint: "ckpt",
  template: "pairwise-v1",
  mode: "reasoned",
  swap: true,
  seed: undefined,
  question: "How many?",
  rubric: undefined,
  imageHashes: [],
  responses: ["three", "five"],
};

const verdict: Verdict = {
  id: "vrd_1",
  outcome: "ok",
  winner: "A",
  probabilityA: 0.75,
  consistent: true,
  reasoning: "ab",
  orders: [
    { order: "AB", outcome: "ok", winner: "A", probabilityA: 0.8, reasoning: "ab" },
    { order: "BA", outcome: "ok", winner: "A", probabilityA: 0.7, reasoning: "ba" },
  ],
  checkpoint: "ckpt",
  template: "pairwise-v1",
  mode: "reasoned",
  cached: false,
  simulated: true,
  latencyMs: 3,
};

function cached() {
  const cache = createMemoryVerdictCache();
  const seen: CacheResult[] = [];
  const verdicts = createCachedVerdicts({
    cache,
    ttlMs: 60_000,
    logger: pino({ level: "silent" }),
    observe: (result) => seen.push(result),
  });
  return { cache, verdicts, seen };
}

/** Lets the background store finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

t.test("a stored verdict comes back, from a versioned record", async (t) => {
  const { cache, verdicts, seen } = cached();
  const { key } = await verdicts.lookup(input);
  verdicts.store(key, verdict);
  await settle();
  const stored = JSON.parse((await cache.get(key.key))!);
  t.equal(stored.v, VERDICT_RECORD_VERSION, "the record carries its version");
  t.same((await verdicts.lookup(input)).verdict, verdict);
  t.same(seen, ["miss", "hit"]);
});

t.test("the same pair asked the other way round is the stored verdict, exchanged", async (t) => {
  const { verdicts } = cached();
  const { key } = await verdicts.lookup(input);
  verdicts.store(key, verdict);
  await settle();
  const other = await verdicts.lookup({ ...input, responses: ["five", "three"] });
  t.equal(other.verdict?.winner, "B");
  t.equal(other.verdict?.probabilityA, 0.25);
});

t.test("a record of another version, or with none, is a miss", async (t) => {
  const { cache, verdicts, seen } = cached();
  const { key } = await verdicts.lookup(input);
  const entries = [
    { v: VERDICT_RECORD_VERSION + 1, verdict },
    { verdict },
    // What the cache held before records had a version: the HTTP JSON of the verdict.
    { ...verdict, probability_a: 0.75, latency_ms: 3 },
    null,
  ];
  for (const entry of entries) {
    await cache.set(key.key, JSON.stringify(entry), 60_000);
    t.equal((await verdicts.lookup(input)).verdict, null, JSON.stringify(entry).slice(0, 40));
  }
  t.same(seen, ["miss", "miss", "miss", "miss", "miss"]);
});

t.test("an entry that is not JSON is an error, and judged instead", async (t) => {
  const { cache, verdicts, seen } = cached();
  const { key } = await verdicts.lookup(input);
  await cache.set(key.key, "{not json", 60_000);
  t.equal((await verdicts.lookup(input)).verdict, null);
  t.same(seen, ["miss", "error"]);
});

t.test("only ok verdicts are stored", async (t) => {
  const { cache, verdicts } = cached();
  const { key } = await verdicts.lookup(input);
  verdicts.store(key, { ...verdict, outcome: "partial" });
  await settle();
  t.equal(await cache.get(key.key), null);
});
