import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import type { KeyRecord } from "../../../src/store/key-store.ts";
import { createRedisCheckpointRegistry } from "../../../src/store/redis-checkpoint-registry.ts";
import { createRedisClient } from "../../../src/store/redis-client.ts";
import type { RedisErrorCause } from "../../../src/store/redis-error-cause.ts";
import { createRedisKeyStore } from "../../../src/store/redis-key-store.ts";
import { createRedisPromptLog, PROMPT_STREAM_KEY } from "../../../src/store/redis-prompt-log.ts";
import { createRedisRateCounter } from "../../../src/store/redis-rate-counter.ts";
import { createRedisShadowStats } from "../../../src/store/redis-shadow-stats.ts";
import { createRedisVerdictCache } from "../../../src/store/redis-verdict-cache.ts";
import { checkpoint } from "../../contracts/store/checkpoint-fixtures.ts";
import { promptRecord } from "../../contracts/store/prompt-log-contract.ts";
import { startRedisCluster } from "../../helpers/redis-cluster.ts";

const PREFIX = "jurist:";
/** One tick of load every this many ms: a steady rate, not a flood (a shared 2-core machine). */
const TICK_MS = 5;

/**
 * A reshard under load on a real 3-master Redis Cluster (redis-server 7 with
 * `--cluster-enabled`, `redis-cli --cluster reshard`). While the stores write and read at a
 * steady rate, the slots holding the prompt stream with its dedup markers (`{prompts}`), the
 * key records (`{keys}`) and the registry (`{registry}`) move to another master, with
 * thousands of other slots (the verdict cache's keys, the rate counter, shadow counts).
 *
 * ioredis 6.0.0's Cluster follows MOVED (updating its slot map), ASK (with ASKING) and
 * retries TRYAGAIN (a multi-key script on a slot half migrated) after `retryDelayOnTryAgain`
 * (built/cluster/index.js handleError); a pipeline cut in the middle of a move is re-sent per
 * record by the prompt log. Asserted: no operation failed, no command counted as a Redis
 * error, and nothing was lost: every appended prompt is in the stream once, every cache entry
 * and key record reads back, every rate-limit charge and shadow count added up.
 */
t.test("moving slots between masters under load: no failed call, no silent loss", async (t) => {
  const cluster = await startRedisCluster(t);
  const errors: RedisErrorCause[] = [];
  const client = createRedisClient({
    clusterNodes: cluster.nodes,
    keyPrefix: PREFIX,
    logger: pino({ level: "silent" }),
    onError: (_role, cause) => errors.push(cause),
  });
  t.teardown(() => client.close());
  t.equal(await client.ready(10_000), true, "cluster client ready");

  const cache = createRedisVerdictCache({ client });
  const keys = createRedisKeyStore({ client });
  const registry = createRedisCheckpointRegistry({ client });
  t.teardown(() => registry.close());
  const promptLog = createRedisPromptLog({ client, maxLength: 1_000_000 });
  const rates = createRedisRateCounter(client);
  const shadow = createRedisShadowStats(client);

  const records: KeyRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const { record } = generateApiKey(`tenant-${i}`, "judge");
    await keys.add(record);
    records.push(record);
  }
  for (const id of ["a", "b"]) await registry.register(checkpoint(id));
  t.ok((await registry.promote("a", null)).ok);

  let stop = false;
  let ticks = 0;
  const failures: string[] = [];
  const appended: string[] = [];
  const cached = new Map<string, string>();
  const note = (what: string) => (error: Error) => failures.push(`${what}: ${error.message}`);

  async function tick(i: number): Promise<void> {
    const key = records[i % records.length]!;
    const entry = `verdict-${i}`;
    const record = promptRecord(i, `reshard-${i}`);
    await Promise.all([
      cache
        .set(entry, `{"winner":"A","i":${i}}`, 600_000)
        .then(() => cached.set(entry, `{"winner":"A","i":${i}}`), note("cache set")),
      cache.get(`verdict-${Math.max(0, i - 1)}`).catch(note("cache get")),
      keys.findByHash(key.hash).then((found) => {
        if (found?.id !== key.id) failures.push(`key ${key.id} not found`);
      }, note("key lookup")),
      rates.take("load", 1, 1_000_000_000, 600_000).catch(note("rate take")),
      shadow
        .record("cand", { agree: true, consistent: true, invalid: false })
        .catch(note("shadow")),
      promptLog.appendBatch([record], 600_000).then((result) => {
        if (result.appended === 1) appended.push(record.id);
        else failures.push(`${record.id} counted a duplicate`);
      }, note("append")),
      registry.champion().then((champion) => {
        if (champion !== "a") failures.push(`champion read ${champion}`);
      }, note("champion")),
    ]);
  }

  const load = (async () => {
    while (!stop) {
      await tick(ticks++);
      await sleep(TICK_MS);
    }
  })();

  await sleep(300);
  // Each tag's owner gives its slots up to and including the tag's slot (reshard takes a
  // node's slots from its lowest up); one node may own two of the tags.
  const moved: string[] = [];
  for (const tag of ["{prompts}", "{keys}", "{registry}"]) {
    const owner = await cluster.ownerOf(tag);
    const slot = Number((await cluster.cli(owner.port, "cluster", "keyslot", tag)).trim());
    const first = await cluster.firstSlot(owner.port);
    const target = cluster.ports.find((port) => port !== owner.port)!;
    await cluster.reshard(owner.port, target, slot - first + 1);
    const now = await cluster.ownerOf(tag);
    t.not(now.port, owner.port, `${tag} (slot ${slot}) moved from :${owner.port} to :${now.port}`);
    moved.push(`${tag}:${slot - first + 1}`);
  }
  await sleep(300);
  stop = true;
  await load;
  t.comment(`${ticks} ticks of load; slots moved per reshard: ${moved.join(", ")}`);

  t.same(failures, [], "no call failed during the reshards");
  t.same(errors, [], "no command counted as a Redis error");
  t.ok(ticks > 50, `load ran throughout (${ticks} ticks)`);

  const stream = await client.commands.xrange(PROMPT_STREAM_KEY, "-", "+");
  const ids = stream.map(([, fields]) => fields[fields.indexOf("id") + 1]);
  t.equal(ids.length, new Set(ids).size, "no prompt appended twice");
  t.same(new Set(ids), new Set(appended), "every prompt counted appended is in the stream");
  t.equal(appended.length, ticks, "and every tick's prompt was appended");

  let missing = 0;
  for (const [entry, value] of cached) if ((await cache.get(entry)) !== value) missing++;
  t.equal(missing, 0, `all ${cached.size} cache entries read back`);
  for (const record of records) {
    t.equal((await keys.findByHash(record.hash))?.id, record.id, `key ${record.id} readable`);
  }
  t.equal((await keys.list()).length, records.length, "list sees every key");
  t.match(await rates.take("load", 0, 1_000_000_000, 600_000), { count: ticks }, "no lost charge");
  t.equal((await shadow.counts("cand")).requests, ticks, "no lost shadow count");
  t.equal(await registry.champion(), "a");
  t.ok((await registry.promote("b", "a")).ok, "the registry's 3-key script runs after the move");
  t.ok(await keys.revoke(records[0]!.id), "and the key store's revoke script");
});
