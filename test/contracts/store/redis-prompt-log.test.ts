import type { Test } from "tap";
import t from "tap";
import type { RedisClient } from "../../../src/store/redis-client.ts";
import {
  createRedisPromptLog,
  PROMPT_DEDUP_KEY_PREFIX,
  PROMPT_STREAM_KEY,
} from "../../../src/store/redis-prompt-log.ts";
import { startRedis, type TestRedis } from "../../helpers/redis-server.ts";
import { promptLogContract, promptRecord } from "./prompt-log-contract.ts";
import { clusterForFile, connectRedis, countSocketWrites, uniquePrefix } from "./redis-fixtures.ts";

const PREFIX = "jurist-test:";

const connect = (t: Test, server: TestRedis, keyPrefix = PREFIX) =>
  connectRedis(t, server.url, keyPrefix);

async function commandCalls(raw: RedisClient): Promise<Map<string, number>> {
  const info = await raw.commands.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

promptLogContract(t, async (t, options) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  return createRedisPromptLog({ client, ...options });
});

// The same contract (appends, dedup, trimming, the trainer's consumer group: XGROUP CREATE,
// XREADGROUP, XAUTOCLAIM, XACK, XINFO) on a 3-master Redis Cluster, each test on its own
// prefix. Without the shared `{prompts}` tag the append script fails with CROSSSLOT there.
t.test("on a redis cluster", async (t) => {
  const cluster = await clusterForFile();
  promptLogContract(t, async (t, options) => {
    const client = await connectRedis(t, cluster.nodes, uniquePrefix());
    return createRedisPromptLog({ client, ...options });
  });
});

t.test("cluster: the stream and every dedup marker hash to one slot", async (t) => {
  const cluster = await clusterForFile();
  const slot = async (key: string) =>
    (await cluster.cli(cluster.ports[0]!, "cluster", "keyslot", key)).trim();
  const prefix = "jurist:";
  const streamSlot = await slot(`${prefix}${PROMPT_STREAM_KEY}`);
  t.equal(await slot(`${prefix}${PROMPT_DEDUP_KEY_PREFIX}0123abcd`), streamSlot);
  t.equal(await slot(`${prefix}${PROMPT_DEDUP_KEY_PREFIX}ffff`), streamSlot);
});

t.test("a batch is one script call: one socket write, one command", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const raw = await connect(t, server, "");
  const log = createRedisPromptLog({ client, maxLength: 1_000 });
  await log.appendBatch([promptRecord(0)], 60_000);

  const writes = countSocketWrites(t, client);

  const before = await commandCalls(raw);
  const records = Array.from({ length: 100 }, (_, i) => promptRecord(i + 1));
  records.push(promptRecord(101, records[0]!.contentHash));
  t.same(await log.appendBatch(records, 60_000), { appended: 100, duplicates: 1 });
  t.equal(writes(), 1, "one write to the socket for 101 records");

  const after = await commandCalls(raw);
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  t.equal(delta("eval") + delta("evalsha"), 1, "one script call for the batch");
  t.equal(delta("xadd"), 100, "XADD only for the new records");
  t.equal(delta("set"), 101, "one SET NX per record");
  t.same(
    (await log.tail(100)).map((record) => record.id),
    records.slice(0, 100).map((record) => record.id),
    "appended in the batch's order",
  );
});

t.test("a batch larger than one call's share is split, and keeps its order", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const raw = await connect(t, server, "");
  const log = createRedisPromptLog({ client, maxLength: 10_000 });
  await log.appendBatch([promptRecord(0)], 60_000);
  const before = await commandCalls(raw);
  const records = Array.from({ length: 600 }, (_, i) => promptRecord(i + 1));
  records.push(promptRecord(601, records[599]!.contentHash));
  t.same(await log.appendBatch(records, 60_000), { appended: 600, duplicates: 1 });
  const after = await commandCalls(raw);
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  t.equal(delta("eval") + delta("evalsha"), 3, "256 records per call");
  t.same(
    (await log.tail(600)).map((record) => record.id),
    records.slice(0, 600).map((record) => record.id),
  );
});

t.test(
  "a record retried after it landed (the reply lost to an outage) is appended once",
  async (t) => {
    const server = await startRedis(t);
    const client = await connect(t, server);
    const log = createRedisPromptLog({ client, maxLength: 1_000 });
    const batch = [promptRecord(1), promptRecord(2)];
    t.same(await log.appendBatch(batch, 60_000), { appended: 2, duplicates: 0 });
    // The collector saw the batch fail and sends the very same records again.
    t.same(await log.appendBatch(batch, 60_000), { appended: 2, duplicates: 0 }, "its own id");
    t.equal(await log.length(), 2, "no second XADD");
    const sameContent = promptRecord(3, batch[0]!.contentHash);
    t.same(await log.appendBatch([sameContent], 60_000), { appended: 0, duplicates: 1 });
    t.equal(await log.length(), 2);
  },
);

t.test("every key is under the client's prefix, and markers expire", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const raw = await connect(t, server, "");
  const log = createRedisPromptLog({ client, maxLength: 10 });
  await log.appendBatch([promptRecord(1, "abc")], 5_000);
  t.same((await raw.commands.keys("*")).sort(), [
    `${PREFIX}{prompts}:dedup:abc`,
    `${PREFIX}{prompts}:stream`,
  ]);
  const ttl = await raw.commands.pttl(`${PREFIX}{prompts}:dedup:abc`);
  t.ok(ttl > 0 && ttl <= 5_000, `marker expires (${ttl} ms left)`);
});

t.test("a failed XADD leaves no dedup marker behind", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const raw = await connect(t, server, "");
  // A string where the stream should be makes XADD fail with WRONGTYPE.
  await raw.commands.set(`${PREFIX}{prompts}:stream`, "not a stream");
  const log = createRedisPromptLog({ client, maxLength: 10 });
  await t.rejects(log.appendBatch([promptRecord(1, "abc")], 60_000), /WRONGTYPE/);
  t.equal(await raw.commands.exists(`${PREFIX}{prompts}:dedup:abc`), 0);
});

t.test("appending while Redis is down rejects at once; it works again after", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const log = createRedisPromptLog({ client, maxLength: 10 });
  await server.stop(true);
  while (client.status() !== "degraded") await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  await t.rejects(log.appendBatch([promptRecord(1)], 60_000));
  t.ok(Date.now() - started < 1_000, "without waiting for a reconnect");
  await server.start();
  t.equal(await client.ready(10_000), true);
  t.same(await log.appendBatch([promptRecord(2)], 60_000), { appended: 1, duplicates: 0 });
  t.equal(await log.length(), 1);
});

// A node a slot has just moved to has never loaded the append script: a batch's one call comes
// back NOSCRIPT and ioredis sends it again as EVAL (what these two tests pin down). SCRIPT
// FLUSH on every master puts the stream's node in that state without a reshard.
t.test("cluster: a node without the script (a slot just moved) loses no record", async (t) => {
  const cluster = await clusterForFile();
  const client = await connectRedis(t, cluster.nodes, uniquePrefix());
  const log = createRedisPromptLog({ client, maxLength: 1_000 });
  t.same(await log.appendBatch([promptRecord(0), promptRecord(1)], 60_000), {
    appended: 2,
    duplicates: 0,
  });
  for (const port of cluster.ports) await cluster.cli(port, "script", "flush");
  t.same(
    await log.appendBatch([promptRecord(2), promptRecord(3), promptRecord(4)], 60_000),
    { appended: 3, duplicates: 0 },
    "every record of the batch appended after the flush",
  );
  t.equal(await log.length(), 5);
});

// The same on one Redis whose scripts were flushed (a restart, SCRIPT FLUSH by an operator):
// ioredis remembers the script as loaded, sends EVALSHA, and every call comes back NOSCRIPT.
t.test("a Redis that lost its scripts loses no record", async (t) => {
  const server = await startRedis(t);
  const client = await connect(t, server);
  const raw = await connect(t, server, "");
  const log = createRedisPromptLog({ client, maxLength: 1_000 });
  await log.appendBatch([promptRecord(0)], 60_000);
  await raw.commands.script("FLUSH");
  t.same(await log.appendBatch([promptRecord(1), promptRecord(2)], 60_000), {
    appended: 2,
    duplicates: 0,
  });
  t.equal(await log.length(), 3);
});
