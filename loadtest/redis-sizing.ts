import { pino } from "pino";
import { generateApiKey } from "../src/auth/api-key.ts";
import { createRedisClient } from "../src/store/redis-client.ts";
import { PROMPT_DEDUP_KEY_PREFIX, PROMPT_STREAM_KEY } from "../src/store/redis-prompt-log.ts";
import { TINY_PNG_DATA_URI } from "../test/helpers/fixtures.ts";
import { buildGateway, startSims } from "../test/helpers/gateway.ts";
import { startRedis } from "../test/helpers/redis-server.ts";
import { progress, runBenchmark, sleep } from "./bench-scope.ts";

/**
 * Bytes per entry of what Jurist keeps in Redis, measured with `MEMORY USAGE` on real
 * entries a gateway wrote (`npm run bench:redis-sizing`): verdicts judged by simulated
 * replicas, every prompt collected (`JURIST_COLLECT_RATE=1`), API keys added through the key
 * store, one rate counter. Beside each figure, the same run's baseline: the payload bytes the
 * entry carries, so the Redis overhead is visible. Then the arithmetic for a day at a given
 * verdict rate, for each role (docs/redis.md#sizing quotes the output).
 */
const VERDICTS = 300;
const KEYS = 200;
const RATE_PER_SECOND = 100;
const DAY_S = 86_400;
const PREFIX = "jurist:";

/** A question and two answers of the length RLHF traffic sends (a few hundred characters). */
function body(i: number) {
  const answer = (what: string) =>
    `${what} The image shows a wooden bowl on a kitchen table holding ${3 + (i % 5)} apples; ` +
    "two are red, one is green, and a pear lies beside them, partly hidden by a cloth napkin. " +
    `Counting only apples inside the bowl gives the number above (${i}).`;
  return {
    question: `How many apples are in the bowl in picture ${i}, not counting the pear beside it?`,
    images: [{ url: TINY_PNG_DATA_URI }],
    responses: [answer("There are three apples."), answer("There are five apples.")],
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

await runBenchmark(180_000, async (scope) => {
  progress("starting redis-server, two simulated replicas and a gateway");
  const redis = await startRedis(scope);
  const sims = await startSims(scope, 2);
  const { fastify, runtime } = await buildGateway(scope, {
    REDIS_URL: redis.url,
    JURIST_REDIS_PREFIX: PREFIX,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_COLLECT_RATE: "1",
    JURIST_COLLECT_FLUSH_MS: "50",
  });
  // Its own connection without a key prefix: every key below is spelled in full.
  const rawClient = createRedisClient({
    url: redis.url,
    keyPrefix: "",
    logger: pino({ level: "silent" }),
  });
  scope.teardown(() => rawClient.close());
  await rawClient.ready();
  const raw = rawClient.commands;
  const usage = async (key: string) =>
    Number(await raw.call("MEMORY", "USAGE", `${PREFIX}${key}`, "SAMPLES", "0"));
  const unprefixed = async (pattern: string) =>
    (await raw.keys(`${PREFIX}${pattern}`)).map((key) => key.slice(PREFIX.length));

  progress(`judging ${VERDICTS} distinct pairs`);
  for (let i = 0; i < VERDICTS; i++) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: body(i),
    });
    if (response.statusCode !== 200) throw new Error(`verdict ${i}: ${response.statusCode}`);
  }
  while ((await runtime.stores.promptLog.length()) < VERDICTS) await sleep(50);
  for (let i = 0; i < KEYS; i++)
    await runtime.stores.keys.add(generateApiKey(`t${i}`, "judge").record);
  await runtime.stores.rates.take("key_0123456789abcdef", 1, 600, 60_000);

  const cacheKeys = await unprefixed("cache:*");
  const cacheBytes = mean(await Promise.all(cacheKeys.map(usage)));
  const cachePayload = mean(
    await Promise.all(
      cacheKeys.map(async (key) => (await raw.get(`${PREFIX}${key}`))!.length + key.length),
    ),
  );
  const streamBytes = (await usage(PROMPT_STREAM_KEY)) / VERDICTS;
  const entries = await raw.xrange(`${PREFIX}${PROMPT_STREAM_KEY}`, "-", "+");
  const streamPayload = mean(entries.map(([, fields]) => fields.join("").length));
  const dedupKeys = await unprefixed(`${PROMPT_DEDUP_KEY_PREFIX}*`);
  const dedupBytes = mean(await Promise.all(dedupKeys.map(usage)));
  const dedupPayload = mean(dedupKeys.map((key) => key.length + 30));
  const recordKeys = await unprefixed("{keys}:by-hash:*");
  const keyBytes =
    mean(await Promise.all(recordKeys.map(usage))) + (await usage("{keys}:ids")) / KEYS;
  const keyPayload = mean(
    await Promise.all(recordKeys.map(async (key) => (await raw.get(`${PREFIX}${key}`))!.length)),
  );
  const rateBytes = await usage("rate:key_0123456789abcdef");

  const rows: [string, number, number, string][] = [
    ["verdict cache entry (cache role)", cacheBytes, cachePayload, "key + value JSON"],
    ["prompt stream entry (state role)", streamBytes, streamPayload, "field names + values"],
    ["dedup marker (state role)", dedupBytes, dedupPayload, "key + record id"],
    ["API key record + its index field (state role)", keyBytes, keyPayload, "record JSON"],
    ["rate counter (state role)", rateBytes, 30, "key + integer"],
  ];
  const lines = [
    "| entry | bytes in Redis (MEMORY USAGE, mean) | payload bytes (same run) | payload is |",
    "| --- | ---: | ---: | --- |",
    ...rows.map(
      ([name, bytes, payload, what]) =>
        `| ${name} | ${Math.round(bytes)} | ${Math.round(payload)} | ${what} |`,
    ),
  ];
  // The default JURIST_COLLECT_RATE, not this run's 1 (which only made every prompt measurable).
  const collectRate = 0.1;
  const cacheDay = RATE_PER_SECOND * DAY_S * cacheBytes;
  const streamCap = 1_000_000;
  const collectedDay = RATE_PER_SECOND * collectRate * DAY_S;
  const streamDay = Math.min(collectedDay, streamCap) * streamBytes;
  const dedupDay = collectedDay * dedupBytes;
  const keysTotal = 10_000 * keyBytes;
  const stateTotal = streamDay + dedupDay + keysTotal;
  lines.push(
    "",
    `At ${RATE_PER_SECOND} new verdicts/s for 24 h (JURIST_CACHE_TTL_MS 24 h), collection at the default rate ${collectRate}, the default dedup window (24 h) and stream cap (1,000,000):`,
    "",
    "| role | holds | arithmetic | memory |",
    "| --- | --- | --- | ---: |",
    `| cache | verdict cache | ${RATE_PER_SECOND} × 86,400 × ${Math.round(cacheBytes)} B | ${gib(cacheDay)} |`,
    `| state | prompt stream | min(${collectedDay.toLocaleString("en")}, ${streamCap.toLocaleString("en")}) × ${Math.round(streamBytes)} B | ${gib(streamDay)} |`,
    `| state | dedup markers | ${collectedDay.toLocaleString("en")} × ${Math.round(dedupBytes)} B | ${gib(dedupDay)} |`,
    `| state | 10,000 API keys | 10,000 × ${Math.round(keyBytes)} B | ${gib(keysTotal)} |`,
    `| state | total | | ${gib(stateTotal)} |`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
});
