import type { Test } from "tap";
import t from "tap";
import type { GatewayPeers } from "../../../src/store/gateway-peers.ts";
import { createMemoryGatewayPeers } from "../../../src/store/memory-gateway-peers.ts";
import { createRedisGatewayPeers } from "../../../src/store/redis-gateway-peers.ts";
import { startRedis, type TestRedis } from "../../helpers/redis-server.ts";
import { connectRedis, uniquePrefix } from "./redis-fixtures.ts";

/**
 * One contract for both gateway-peers adapters: gateways that beat are counted, one that
 * stops beating (killed, no goodbye) drops out after the TTL, one that leaves drops out at once.
 * Time is passed in, so expiry is tested without waiting.
 */
const TTL = 10_000;

function gatewayPeersContract(name: string, open: (t: Test) => Promise<GatewayPeers>) {
  t.test(`${name}: each gateway that beats is counted once, itself included`, async (t) => {
    const peers = await open(t);
    t.equal(await peers.beat("a", 1_000, TTL), 1, "alone");
    t.equal(await peers.beat("b", 1_100, TTL), 2, "a second one");
    t.equal(await peers.beat("a", 3_000, TTL), 2, "a beating again is still one");
    t.equal(await peers.beat("c", 3_100, TTL), 3);
  });

  t.test(`${name}: a gateway that stops beating drops out after the TTL`, async (t) => {
    const peers = await open(t);
    await peers.beat("a", 0, TTL);
    await peers.beat("dead", 0, TTL);
    t.equal(await peers.beat("a", TTL, TTL), 2, "exactly one TTL old: still counted");
    t.equal(await peers.beat("a", TTL + 1, TTL), 1, "older than the TTL: gone");
    t.equal(await peers.beat("dead", TTL + 2, TTL), 2, "it comes back by beating again");
  });

  t.test(`${name}: a gateway that leaves drops out at once`, async (t) => {
    const peers = await open(t);
    await peers.beat("a", 0, TTL);
    await peers.beat("b", 0, TTL);
    await peers.leave("b");
    t.equal(await peers.beat("a", 1, TTL), 1);
    await peers.leave("never-there");
    t.equal(await peers.beat("a", 2, TTL), 1, "leaving twice, or unknown, is harmless");
  });
}

gatewayPeersContract("memory", async () => createMemoryGatewayPeers());

// One redis-server for the Redis cases; each case its own key prefix.
let redis: TestRedis | undefined;
t.before(async () => {
  redis = await startRedis(t);
});

gatewayPeersContract("redis", async (t) => {
  const client = await connectRedis(t, redis!.url, uniquePrefix());
  return createRedisGatewayPeers(client);
});

t.test("redis: one sorted set under the prefix, which expires with the last beat", async (t) => {
  const prefix = uniquePrefix();
  const client = await connectRedis(t, redis!.url, prefix);
  const peers = createRedisGatewayPeers(client);
  await peers.beat("gw-1", Date.now(), 5_000);
  await peers.beat("gw-2", Date.now(), 5_000);
  const raw = await connectRedis(t, redis!.url, "");
  t.same(await raw.commands.keys(`${prefix}*`), [`${prefix}gateways`], "one key");
  t.equal(await raw.commands.type(`${prefix}gateways`), "zset");
  t.same((await raw.commands.zrange(`${prefix}gateways`, "0", "-1")).sort(), ["gw-1", "gw-2"]);
  const ttl = await raw.commands.pttl(`${prefix}gateways`);
  t.ok(ttl > 0 && ttl <= 5_000, `the set expires on its own (${ttl} ms left)`);
});

t.test("redis: an outage rejects the beat; the set is there again once Redis is", async (t) => {
  const own = await startRedis(t);
  const client = await connectRedis(t, own.url, uniquePrefix());
  const peers = createRedisGatewayPeers(client);
  t.equal(await peers.beat("a", Date.now(), TTL), 1);
  await own.stop(true);
  await t.rejects(peers.beat("a", Date.now(), TTL), "unreachable: the caller keeps its count");
  await own.start();
  t.equal(await client.ready(10_000), true, "reconnected");
  // The restarted server kept nothing (no persistence): the gateways fill the set again.
  t.equal(await peers.beat("b", Date.now(), TTL), 1);
  t.equal(await peers.beat("a", Date.now(), TTL), 2);
});
