import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { Cluster } from "ioredis";
import { pino } from "pino";
import type { Test } from "tap";
import tap from "tap";
import { createRedisClient, type RedisClient } from "../../../src/store/redis-client.ts";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.ts";

/** A single Redis's URL, or a Redis Cluster's `host:port` seed nodes. */
export type RedisAt = string | readonly string[];

let fileCluster: Promise<TestRedisCluster> | undefined;

/**
 * The 3-master Redis Cluster of this test file: started on first use, shared by its tests
 * (each with its own key prefix), stopped when the file ends.
 */
export function clusterForFile(): Promise<TestRedisCluster> {
  fileCluster ??= startRedisCluster(tap);
  return fileCluster;
}

/** The masters' own connections behind `raw` (the one Redis for a single server). */
export function masters(raw: RedisClient): Redis[] {
  const commands = raw.commands;
  return commands instanceof Cluster ? commands.nodes("master") : [commands];
}

/** A key prefix no other test uses, so tests can share one redis-server. */
export function uniquePrefix(): string {
  return `jurist-test-${randomUUID().slice(0, 8)}:`;
}

/** A ready client on `url`, closed when the test ends. */
export async function connectRedis(t: Test, at: RedisAt, keyPrefix: string): Promise<RedisClient> {
  const target = typeof at === "string" ? { url: at } : { clusterNodes: at };
  const client = createRedisClient({ ...target, keyPrefix, logger: pino({ level: "silent" }) });
  t.teardown(() => client.close());
  t.equal(await client.ready(), true, "redis ready");
  return client;
}

/** Every key under `prefix`, sorted, with its value as text (`raw` has no key prefix). */
export async function dumpKeys(raw: RedisClient, prefix: string): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  const keys = await Promise.all(masters(raw).map((node) => node.keys(`${prefix}*`)));
  const redis = raw.commands;
  for (const key of keys.flat().sort()) {
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
  const socket = (client.commands as Redis).stream;
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
  // A Cluster's subscribers sit on any node: PUBSUB NUMSUB counts one node's.
  let count = 0;
  for (const node of masters(raw)) {
    const reply = (await node.call("PUBSUB", "NUMSUB", channel)) as [string, number];
    count += Number(reply[1]);
  }
  return count;
}
