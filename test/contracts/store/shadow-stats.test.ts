import type { Test } from "tap";
import t from "tap";
import { createMemoryShadowStats } from "../../../src/store/memory-shadow-stats.ts";
import { createRedisShadowStats } from "../../../src/store/redis-shadow-stats.ts";
import type { ShadowStats } from "../../../src/store/shadow-stats.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { clusterForFile, connectRedis, uniquePrefix } from "./redis-fixtures.ts";

// One contract for both shadow-stats adapters: what gateways count while a candidate is
// shadowed, and what the trainer's shadow gate reads back (trainer/gates).
function shadowStatsContract(name: string, open: (t: Test) => Promise<ShadowStats>) {
  t.test(`${name}: no target and zero counts at first`, async (t) => {
    const stats = await open(t);
    t.equal(await stats.target(), null);
    t.strictSame(await stats.counts("cand"), {
      requests: 0,
      agreements: 0,
      consistent: 0,
      invalid: 0,
    });
  });

  t.test(`${name}: the target is set, replaced and cleared`, async (t) => {
    const stats = await open(t);
    await stats.setTarget("cand-1");
    t.equal(await stats.target(), "cand-1");
    await stats.setTarget("cand-2");
    t.equal(await stats.target(), "cand-2");
    await stats.setTarget(null);
    t.equal(await stats.target(), null);
  });

  t.test(`${name}: outcomes add up per candidate`, async (t) => {
    const stats = await open(t);
    await stats.record("cand", { agree: true, consistent: true, invalid: false });
    await stats.record("cand", { agree: false, consistent: null, invalid: true });
    await stats.record("cand", { agree: true, consistent: false, invalid: false });
    await stats.record("other", { agree: true, consistent: true, invalid: false });
    t.strictSame(await stats.counts("cand"), {
      requests: 3,
      agreements: 2,
      consistent: 1,
      invalid: 1,
    });
    t.strictSame(await stats.counts("other"), {
      requests: 1,
      agreements: 1,
      consistent: 1,
      invalid: 0,
    });
  });

  t.test(`${name}: counts handed out are copies`, async (t) => {
    const stats = await open(t);
    await stats.record("cand", { agree: true, consistent: true, invalid: false });
    const counts = await stats.counts("cand");
    counts.requests = 99;
    t.equal((await stats.counts("cand")).requests, 1);
  });
}

shadowStatsContract("memory", async () => createMemoryShadowStats());

shadowStatsContract("redis", async (t) => {
  const server = await startRedis(t);
  return createRedisShadowStats(await connectRedis(t, server.url, uniquePrefix()));
});

shadowStatsContract("redis cluster", async (t) => {
  const cluster = await clusterForFile();
  return createRedisShadowStats(await connectRedis(t, cluster.nodes, uniquePrefix()));
});

t.test("redis: two gateways on one Redis count into the same totals", async (t) => {
  const server = await startRedis(t);
  const prefix = uniquePrefix();
  const one = createRedisShadowStats(await connectRedis(t, server.url, prefix));
  const two = createRedisShadowStats(await connectRedis(t, server.url, prefix));
  await one.setTarget("cand");
  t.equal(await two.target(), "cand", "the target is shared");
  await one.record("cand", { agree: true, consistent: true, invalid: false });
  await two.record("cand", { agree: false, consistent: true, invalid: false });
  t.strictSame(await one.counts("cand"), {
    requests: 2,
    agreements: 1,
    consistent: 2,
    invalid: 0,
  });
});
