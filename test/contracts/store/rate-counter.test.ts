import { setTimeout as sleep } from "node:timers/promises";
import type { Test } from "tap";
import t from "tap";
import { createMemoryRateCounter } from "../../../src/store/memory-rate-counter.ts";
import type { RateCounter } from "../../../src/store/rate-counter.ts";
import { createRedisRateCounter } from "../../../src/store/redis-rate-counter.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { clusterForFile, connectRedis, uniquePrefix } from "./redis-fixtures.ts";

// One contract for both rate-counter adapters: what the rate limiter (src/auth) relies on.
function rateCounterContract(name: string, open: (t: Test) => Promise<RateCounter>) {
  t.test(`${name}: counts up to the limit, then refuses without counting`, async (t) => {
    const counter = await open(t);
    t.match(await counter.take("k", 3, 5, 60_000), { taken: true, count: 3 });
    t.match(await counter.take("k", 3, 5, 60_000), { taken: false, count: 3 }, "3 + 3 > 5");
    t.match(
      await counter.take("k", 2, 5, 60_000),
      { taken: true, count: 5 },
      "the refusal spent nothing",
    );
    t.match(await counter.take("k", 1, 5, 60_000), { taken: false, count: 5 });
    t.match(await counter.take("other", 5, 5, 60_000), { taken: true, count: 5 }, "keys are apart");
  });

  t.test(`${name}: the window ends, and a new one starts from 0`, async (t) => {
    const counter = await open(t);
    const first = await counter.take("k", 2, 2, 100);
    t.ok(first.resetInMs > 0 && first.resetInMs <= 100, "resets within the window");
    t.match(await counter.take("k", 1, 2, 100), { taken: false });
    await sleep(150);
    t.match(
      await counter.take("k", 2, 2, 100),
      { taken: true, count: 2 },
      "after it: a fresh window",
    );
  });
}

rateCounterContract("memory", async () => createMemoryRateCounter());

rateCounterContract("redis", async (t) => {
  const server = await startRedis(t);
  return createRedisRateCounter(await connectRedis(t, server.url, uniquePrefix()));
});

rateCounterContract("redis cluster", async (t) => {
  const cluster = await clusterForFile();
  return createRedisRateCounter(await connectRedis(t, cluster.nodes, uniquePrefix()));
});

t.test("memory: at most maxKeys keys are remembered", async (t) => {
  const counter = createMemoryRateCounter({ maxKeys: 2 });
  await counter.take("a", 1, 1, 60_000);
  await counter.take("b", 1, 1, 60_000);
  await counter.take("c", 1, 1, 60_000);
  t.match(await counter.take("a", 1, 1, 60_000), { taken: true }, "the oldest was forgotten");
  t.match(await counter.take("c", 1, 1, 60_000), { taken: false }, "the newest was not");
});

t.test("redis: gateways racing on one key never admit past the limit", async (t) => {
  const server = await startRedis(t);
  const prefix = uniquePrefix();
  const one = createRedisRateCounter(await connectRedis(t, server.url, prefix));
  const two = createRedisRateCounter(await connectRedis(t, server.url, prefix));
  const takes = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take("k", 1, 25, 60_000)),
  );
  t.equal(takes.filter((take) => take.taken).length, 25, "exactly the limit");
});

t.test("redis: a counter left without an expiry is given one", async (t) => {
  const server = await startRedis(t);
  const client = await connectRedis(t, server.url, uniquePrefix());
  await client.commands.set("rate:k", "9");
  const counter = createRedisRateCounter(client);
  const refused = await counter.take("k", 1, 5, 60_000);
  t.equal(refused.taken, false);
  const ttl = await client.commands.pttl("rate:k");
  t.ok(ttl > 0 && ttl <= 60_000, "so it cannot block the key forever");
});
