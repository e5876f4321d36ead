import { randomUUID } from "node:crypto";
import { pino } from "pino";
import type { Test } from "tap";
import { createRedisClient, type RedisClient } from "../../../src/store/redis-client.ts";

/** A key prefix no other test uses, so tests can share one redis-server. */
export function uniquePrefix(): string {
  return `jurist-test-${randomUUID().slice(0, 8)}:`;
}

/** A ready client on `url`, closed when the test ends. */
export async function connectRedis(t: Test, url: string, keyPrefix: string): Promise<RedisClient> {
  const client = createRedisClient({ url, keyPrefix, logger: pino({ level: "silent" }) });
  t.teardown(() => client.close());
  t.equal(await client.ready(), true, "redis ready");
  return client;
}

/** Every key under `prefix`, sorted, with its value as text (`raw` has no key prefix). */
export async function dumpKeys(raw: RedisClient, prefix: string): Promise<Map<string, string>> {
  const redis = raw.commands;
  const dump = new Map<string, string>();
  for (const key of (await redis.keys(`${prefix}*`)).sort()) {
    const type = await redis.type(key);
    if (type === "string") dump.set(key, (await redis.get(key)) ?? "");
    else if (type === "hash") dump.set(key, JSON.stringify(await redis.hgetall(key)));
    else if (type === "list") dump.set(key, JSON.stringify(await redis.lrange(key, 0, -1)));
    else dump.set(key, `<${type}>`);
  }
  return dump;
}

/** Counts writes to the client's command socket from now on: one write is one round trip. */
export function countSocketWrites(t: Test, client: RedisClient): () => number {
  const socket = client.commands.stream;
  const write = socket.write;
  let writes = 0;
  socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
    writes++;
    return write.apply(this, args);
  } as typeof write;
  t.teardown(() => {
    socket.write = write;
  });
  return () => writes;
}

/** How many connections are subscribed to `channel`, asked of the server. */
export async function subscriberCount(raw: RedisClient, channel: string): Promise<number> {
  const reply = (await raw.commands.call("PUBSUB", "NUMSUB", channel)) as [string, number];
  return Number(reply[1]);
}
