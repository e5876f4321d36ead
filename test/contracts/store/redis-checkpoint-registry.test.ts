import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { createRedisCheckpointRegistry } from "../../../src/store/redis-checkpoint-registry.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { checkpoint, collect, redisRegistry, whenSubscribed } from "./checkpoint-fixtures.ts";
import { eventually } from "./eventually.ts";
import {
  connectRedis,
  countSocketWrites,
  dumpKeys,
  subscriberCount,
  uniquePrefix,
} from "./redis-fixtures.ts";

const server = await startRedis(t);

t.test("redis: the layout under the prefix; promote and rollback are one round trip", async (t) => {
  const prefix = uniquePrefix();
  const client = await connectRedis(t, server.url, prefix);
  const raw = await connectRedis(t, server.url, "");
  const registry = createRedisCheckpointRegistry({ client });
  for (const id of ["a", "b"]) await registry.register(checkpoint(id));
  await registry.promote("a", null);

  const published: string[] = [];
  const listener = raw.subscriber();
  listener.on("message", (_channel: string, message: string) => published.push(message));
  await listener.subscribe(`${prefix}registry:events`);

  const writes = countSocketWrites(t, client);
  t.ok((await registry.promote("b", "a")).ok);
  t.equal(writes(), 1, "promote");
  t.ok((await registry.rollback("b")).ok);
  t.equal(writes(), 2, "rollback");
  await registry.setStatus("b", "rejected");
  t.equal(writes(), 3, "setStatus");

  const keys = await dumpKeys(raw, prefix);
  t.same(
    [...keys.keys()],
    ["{registry}:champion", "{registry}:checkpoints", "{registry}:history"].map((k) => prefix + k),
  );
  t.equal(keys.get(`${prefix}{registry}:champion`), "a");
  t.ok(await eventually(() => published.length === 2), "events on <prefix>registry:events");
  t.same(JSON.parse(published[1]!), { champion: "a", previous: "b", action: "rollback" });
});

t.test("redis: close() releases the subscriber connection", async (t) => {
  const prefix = uniquePrefix();
  const raw = await connectRedis(t, server.url, "");
  const registry = await redisRegistry(t, server.url, prefix);
  const channel = `${prefix}registry:events`;
  registry.subscribe(() => {});
  registry.subscribe(() => {});
  await whenSubscribed(raw, channel);
  t.equal(await subscriberCount(raw, channel), 1, "one connection for every listener");
  await registry.close();
  t.ok(await eventually(async () => (await subscriberCount(raw, channel)) === 0));
});

t.test("redis: after Redis restarts, subscribers hear changes again", async (t) => {
  const own = await startRedis(t);
  const prefix = uniquePrefix();
  const channel = `${prefix}registry:events`;
  const raw = await connectRedis(t, own.url, "");
  const registry = await redisRegistry(t, own.url, prefix);
  const peer = await redisRegistry(t, own.url, prefix);
  const events = collect(t, registry);
  await whenSubscribed(raw, channel);

  await own.stop(true);
  await own.start();
  // The restarted server is empty: the gateways reconnect and the registry starts over.
  t.ok(
    await eventually(async () => {
      try {
        return (await subscriberCount(raw, channel)) === 1;
      } catch {
        return false;
      }
    }, 10_000),
    "the subscriber re-subscribed by itself",
  );
  t.ok(
    await eventually(async () => {
      try {
        await peer.register(checkpoint("a"));
        return true;
      } catch {
        return false;
      }
    }, 10_000),
    "the peer's commands work again",
  );
  t.same(await peer.promote("a", null), { ok: true, champion: "a", previous: null });
  t.ok(await eventually(() => events.length === 1), "the event arrives");
  t.same(events, [{ champion: "a", previous: null, action: "promote" }]);
});

t.test("redis: subscribing while Redis is down starts delivery once it is back", async (t) => {
  const own = await startRedis(t);
  const prefix = uniquePrefix();
  const registry = await redisRegistry(t, own.url, prefix);
  const peer = await redisRegistry(t, own.url, prefix);
  await own.stop(true);
  const events = collect(t, registry);
  // Long enough for ioredis to give up on the queued SUBSCRIBE (two failed reconnects).
  await sleep(1_500);
  await own.start();
  const raw = await connectRedis(t, own.url, "");
  await whenSubscribed(raw, `${prefix}registry:events`);
  await peer.register(checkpoint("a"));
  await peer.promote("a", null);
  t.ok(await eventually(() => events.length === 1), "the event arrives");
});
