import type { Test } from "tap";
import t from "tap";
import { createMemoryVerdictCache } from "../../../src/store/memory-verdict-cache.ts";
import { createRedisVerdictCache } from "../../../src/store/redis-verdict-cache.ts";
import type { VerdictCache } from "../../../src/store/verdict-cache.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { eventually } from "./eventually.ts";
import { clusterForFile, connectRedis, uniquePrefix } from "./redis-fixtures.ts";

const server = await startRedis(t);

const backends: { name: string; make(t: Test): Promise<VerdictCache> }[] = [
  { name: "memory", make: async () => createMemoryVerdictCache() },
  {
    name: "redis",
    make: async (t) =>
      createRedisVerdictCache({ client: await connectRedis(t, server.url, uniquePrefix()) }),
  },
  {
    name: "redis cluster",
    make: async (t) =>
      createRedisVerdictCache({
        client: await connectRedis(t, (await clusterForFile()).nodes, uniquePrefix()),
      }),
  },
];

for (const backend of backends) {
  t.test(`${backend.name} verdict cache`, async (t) => {
    t.test("a miss is null, a hit the stored value, a second set replaces it", async (t) => {
      const cache = await backend.make(t);
      t.equal(await cache.get("k1"), null);
      await cache.set("k1", '{"winner":"A"}', 60_000);
      await cache.set("k2", "two ✓", 60_000);
      t.equal(await cache.get("k1"), '{"winner":"A"}');
      t.equal(await cache.get("k2"), "two ✓");
      await cache.set("k1", '{"winner":"B"}', 60_000);
      t.equal(await cache.get("k1"), '{"winner":"B"}');
    });

    t.test("an entry expires after its TTL; a longer-lived one stays", async (t) => {
      const cache = await backend.make(t);
      await cache.set("short", "s", 50);
      await cache.set("long", "l", 60_000);
      t.ok(await eventually(async () => (await cache.get("short")) === null), "short expires");
      t.equal(await cache.get("long"), "l");
    });

    t.test("a TTL that is not a positive number is refused", async (t) => {
      const cache = await backend.make(t);
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await t.rejects(cache.set("k", "v", ttl), RangeError, `ttl ${ttl}`);
      }
      t.equal(await cache.get("k"), null);
      // Rounded up to a whole millisecond, not down to 0 (which Redis refuses for PX); a 1 ms
      // entry may be gone before the next read, so only its acceptance and expiry are asserted.
      await t.resolves(cache.set("k", "v", 0.5), "a fractional TTL rounds up");
      t.ok(await eventually(async () => (await cache.get("k")) === null), "and it expires");
      await cache.set("k", "v", 59_999.5);
      t.equal(await cache.get("k"), "v", "a long fractional TTL keeps the entry");
    });
  });
}

t.test("memory: past maxEntries the least recently written entry goes", async (t) => {
  const cache = createMemoryVerdictCache({ maxEntries: 3 });
  for (const key of ["a", "b", "c"]) await cache.set(key, key, 60_000);
  await cache.set("a", "a2", 60_000);
  await cache.set("d", "d", 60_000);
  t.equal(await cache.get("b"), null, "b was the oldest write");
  t.equal(await cache.get("a"), "a2", "rewriting a made it new");
  t.equal(await cache.get("c"), "c");
  t.equal(await cache.get("d"), "d");
  t.equal(cache.size(), 3);
});

t.test("memory: the default bound is 10,000 entries", async (t) => {
  const cache = createMemoryVerdictCache();
  for (let i = 0; i <= 10_000; i++) await cache.set(`k${i}`, "v", 60_000);
  t.equal(cache.size(), 10_000);
  t.equal(await cache.get("k0"), null);
  t.equal(await cache.get("k10000"), "v");
  t.throws(() => createMemoryVerdictCache({ maxEntries: 0 }), RangeError);
});

t.test("redis: one key per entry at <prefix>cache:<key>, expiring in Redis", async (t) => {
  const prefix = uniquePrefix();
  const cache = createRedisVerdictCache({ client: await connectRedis(t, server.url, prefix) });
  const raw = await connectRedis(t, server.url, "");
  await cache.set("abc", "v", 60_000);
  t.same(await raw.commands.keys(`${prefix}*`), [`${prefix}cache:abc`]);
  const ttl = await raw.commands.pttl(`${prefix}cache:abc`);
  t.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
});

t.test("redis: get and set reject at once while Redis is down", async (t) => {
  const own = await startRedis(t);
  const cache = createRedisVerdictCache({ client: await connectRedis(t, own.url, uniquePrefix()) });
  await own.stop(true);
  await t.rejects(cache.get("k"));
  await t.rejects(cache.set("k", "v", 1_000));
});
