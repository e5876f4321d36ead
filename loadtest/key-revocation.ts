import { pino } from "pino";
import { generateApiKey } from "../src/auth/api-key.ts";
import { loadConfig } from "../src/config/config.ts";
import { openKeyStore } from "../src/store/create-stores.ts";
import type { RedisConnection } from "../src/store/redis-client.ts";
import { startSharedGateways } from "../test/helpers/shared-gateways.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { progress, runBenchmark } from "./bench-scope.ts";
import { fixed, percentile } from "./latency-stats.ts";

// Issue 18: "a revoked key is refused by a second gateway within 1 s". Two gateways share a
// redis-server; each trial creates a key, lets gateway B validate (and cache) it, revokes it
// with `jurist keys revoke`'s store, and calls B back to back until it answers 401. The
// figure is the time from the start of the revocation to B's first 401, beside the time one
// call with a cached key takes on B and the revocation call itself, measured in the same run.
// The key cache TTL is a minute: only the pub/sub announcement can explain a refusal sooner.

const TRIALS = 50;
const TARGET_MS = 1_000;
const GIVE_UP_MS = 10_000;
const TTL_MS = 60_000;

/** Waits until `count` connections listen on `channel` (both gateways subscribe as they start). */
async function subscribers(redis: RedisConnection, channel: string, count: number): Promise<void> {
  for (;;) {
    const [, listening] = (await redis.pubsub("NUMSUB", channel)) as [string, number];
    if (listening >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

await runBenchmark(120_000, async (scope) => {
  progress("starting redis-server, two simulated replicas and two gateways");
  const { redis, gateways } = await startSharedGateways(scope, {
    JURIST_AUTH: "required",
    JURIST_KEY_CACHE_TTL_MS: String(TTL_MS),
  });
  const [a, b] = gateways;
  await subscribers(
    a.runtime.stores.redis!.commands,
    `${a.runtime.config.stores.redisPrefix}keys:revoked`,
    2,
  );
  const cli = await openKeyStore(loadConfig({ REDIS_URL: redis.url }), pino({ level: "silent" }));
  scope.teardown(() => cli.close());

  const propagation: number[] = [];
  const cachedCall: number[] = [];
  const revokeCall: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const { plain, record } = generateApiKey("bench", "judge");
    await cli.keys.add(record);
    const call = () =>
      b.fastify.inject({ url: "/v1/models", headers: { authorization: `Bearer ${plain}` } });
    if ((await call()).statusCode !== 200) throw new Error("gateway B refused a fresh key");
    const cachedStart = performance.now();
    if ((await call()).statusCode !== 200) throw new Error("gateway B refused a cached key");
    cachedCall.push(performance.now() - cachedStart);

    const start = performance.now();
    await cli.keys.revoke(record.id);
    revokeCall.push(performance.now() - start);
    let refusedAt: number | null = null;
    while (performance.now() - start < GIVE_UP_MS) {
      if ((await call()).statusCode === 401) {
        refusedAt = performance.now();
        break;
      }
      // inject() and a cached key never touch I/O: without a turn of the event loop the
      // subscriber's socket would never be read (a real request arrives through I/O anyway).
      await new Promise(setImmediate);
    }
    if (refusedAt === null)
      throw new Error(`trial ${trial}: still accepted after ${GIVE_UP_MS} ms`);
    propagation.push(refusedAt - start);
  }
  progress(`${TRIALS} trials done`);

  const row = (p: number): BenchRow => ({
    measure: `Revocation → first 401 on the other gateway, p${p} (${TRIALS} trials, key cache TTL ${TTL_MS / 1000} s)`,
    result: `${fixed(percentile(propagation, p), 2)} ms`,
    target: `< ${TARGET_MS} ms`,
    baseline: `cached-key call on B p${p} ${fixed(percentile(cachedCall, p), 2)} ms; the revoke call p${p} ${fixed(percentile(revokeCall, p), 2)} ms`,
    met: percentile(propagation, p) < TARGET_MS,
  });
  const max = Math.max(...propagation);
  const rows = [
    row(50),
    row(99),
    {
      measure: "Revocation → first 401, worst trial",
      result: `${fixed(max, 2)} ms`,
      target: `< ${TARGET_MS} ms`,
      baseline: `cached-key call on B max ${fixed(Math.max(...cachedCall), 2)} ms`,
      met: max < TARGET_MS,
    },
  ];
  process.stdout.write(`${renderTable(rows)}\n`);
});
