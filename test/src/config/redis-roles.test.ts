import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { cacheRedisTarget, stateRedisTarget } from "../../../src/store/create-stores.ts";

t.test(
  "each Redis role is a URL or cluster seed nodes; the cache defaults to the state's",
  async (t) => {
    t.same(stateRedisTarget(loadConfig({})), null, "no Redis: in-process stores");
    const single = loadConfig({ REDIS_URL: "redis://state:6379/0" });
    t.same(stateRedisTarget(single), { url: "redis://state:6379/0" });
    t.same(cacheRedisTarget(single), null, "the cache shares the state role's connection");
    const split = loadConfig({
      JURIST_REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7000,[::1]:7001",
      JURIST_CACHE_REDIS_URL: "redis://cache:6379",
    });
    t.same(stateRedisTarget(split), {
      clusterNodes: ["10.0.0.1:7000", "10.0.0.2:7000", "[::1]:7001"],
    });
    t.same(cacheRedisTarget(split), { url: "redis://cache:6379" });
    const cacheCluster = loadConfig({
      REDIS_URL: "redis://state:6379",
      JURIST_CACHE_REDIS_CLUSTER_NODES: "cache-0:6379,cache-1:6379",
    });
    t.same(cacheRedisTarget(cacheCluster), { clusterNodes: ["cache-0:6379", "cache-1:6379"] });
  },
);

t.test("a URL and cluster nodes for one role is refused at start-up", async (t) => {
  t.throws(
    () => loadConfig({ REDIS_URL: "redis://a:6379", JURIST_REDIS_CLUSTER_NODES: "b:7000" }),
    /REDIS_URL and JURIST_REDIS_CLUSTER_NODES are both set/,
  );
  t.throws(
    () =>
      loadConfig({
        REDIS_URL: "redis://a:6379",
        JURIST_CACHE_REDIS_URL: "redis://c:6379",
        JURIST_CACHE_REDIS_CLUSTER_NODES: "c:7000",
      }),
    /JURIST_CACHE_REDIS_URL and JURIST_CACHE_REDIS_CLUSTER_NODES are both set/,
  );
  t.throws(
    () => loadConfig({ JURIST_CACHE_REDIS_URL: "redis://c:6379" }),
    /a cache Redis is set .* but no state Redis/,
  );
  t.throws(() => loadConfig({ JURIST_REDIS_CLUSTER_NODES: "no-port" }), /host:port/);
});

t.test("a key prefix with braces is refused: it would become every key's hash tag", async (t) => {
  t.throws(
    () => loadConfig({ REDIS_URL: "redis://a:6379", JURIST_REDIS_PREFIX: "{jurist}:" }),
    /JURIST_REDIS_PREFIX/,
  );
  t.equal(loadConfig({ JURIST_REDIS_PREFIX: "tenant-a:" }).stores.redisPrefix, "tenant-a:");
});
