import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { pino } from "pino";
import t, { type Test } from "tap";
import { encodePromptFields } from "../../../src/store/prompt-stream-fields.ts";
import { applyUpgrade, planUpgrade } from "../../../src/store/redis-key-upgrade.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import {
  LEGACY_CHAMPION,
  legacyPrompt,
  seedLegacyLayout,
} from "../../helpers/legacy-redis-layout.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { trainerConfig } from "../../helpers/trainer-config.ts";

/**
 * Issue 20, the Cluster hash tags: keys were renamed (`registry:champion` →
 * `{registry}:champion`, `keys:ids` → `{keys}:ids`, `prompts` → `{prompts}:stream`, …), so a
 * gateway upgraded onto an existing Redis saw no API keys (every client 401), no champion and
 * an empty stream, silently. `jurist redis upgrade` renames them; every process reports old
 * keys at start-up. The old layout is written as 79a0ab1 wrote it (test/helpers/legacy-redis-layout.ts).
 * RENAMENX keeps the TTL and a stream's consumer groups (Redis 7.0 RENAME: the value moves
 * as one, groups are part of a stream's value; checked here on redis-server 7.0).
 */

const PREFIX = "jurist:";
const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;
const run = promisify(execFile);

/** `jurist redis upgrade …` against `url`: its exit code and output. */
async function upgrade(url: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, "redis", "upgrade", ...args], {
      env: {
        ...process.env,
        REDIS_URL: url,
        JURIST_REDIS_PREFIX: PREFIX,
        JURIST_LOG_LEVEL: "warn",
        JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-upgrade-")),
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A plain connection without prefix, to look at the keys as they are. */
function raw(t: Test, url: string): Redis {
  const redis = new Redis(url);
  t.teardown(() => redis.disconnect());
  return redis;
}

/**
 * A Redis of its own holding the layout before 79a0ab1's successors (legacy-redis-layout.ts),
 * the API key seeded there, and a plain connection to look at its keys.
 */
async function legacyRedis(t: Test) {
  const redis = await startRedis(t);
  const { apiKey } = await seedLegacyLayout(redis.url, PREFIX);
  return { redis, apiKey, look: raw(t, redis.url) };
}

/** The connection the upgrade uses: the gateway's key prefix, closed at teardown. */
function upgraderOf(t: Test, url: string): Redis {
  const upgrader = new Redis(url, { keyPrefix: PREFIX });
  t.teardown(() => upgrader.disconnect());
  return upgrader;
}

function gauge(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** A gateway with keys required on the Redis at `url`, logging into `lines`. */
async function gateway(t: Test, url: string, lines: { level: number; msg: string }[] = []) {
  const logger = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  const sims = await startSims(t, 1);
  return buildGateway(
    t,
    {
      REDIS_URL: url,
      JURIST_REDIS_PREFIX: PREFIX,
      JURIST_AUTH: "required",
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    },
    { logger },
  );
}

t.test(
  "an upgraded Redis: a key from before authenticates, the champion is seen, the trainer's group survives; a second run does nothing",
  async (t) => {
    const { redis, apiKey, look } = await legacyRedis(t);
    const groupBefore = await look.xinfo("GROUPS", `${PREFIX}prompts`);

    const dry = await upgrade(redis.url, "--dry-run");
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stdout, "would move jurist:keys:ids -> jurist:{keys}:ids");
    t.equal(await look.exists(`${PREFIX}keys:ids`), 1, "a dry run moves nothing");

    const first = await upgrade(redis.url);
    t.equal(first.code, 0, first.stderr);
    for (const [from, to] of [
      ["registry:checkpoints", "{registry}:checkpoints"],
      ["registry:champion", "{registry}:champion"],
      ["registry:history", "{registry}:history"],
      ["keys:ids", "{keys}:ids"],
      ["prompts", "{prompts}:stream"],
    ]) {
      t.match(first.stdout, `moved ${PREFIX}${from} -> ${PREFIX}${to}\n`);
      t.equal(await look.exists(`${PREFIX}${from}`), 0, `${from} is gone`);
      t.equal(await look.exists(`${PREFIX}${to}`), 1, `${to} holds it`);
    }
    t.match(first.stdout, /moved jurist:keys:by-hash:[0-9a-f]{64} -> jurist:\{keys\}:by-hash:/);
    t.match(first.stdout, "moved 3 dedup marker(s), left 0 to expire");
    const markers = await look.keys(`${PREFIX}{prompts}:dedup:*`);
    t.equal(markers.length, 3);
    t.ok((await look.pttl(markers[0]!)) > 0, "a marker keeps its expiry");

    // The trainer's position: same group, same last delivered entry, one entry pending.
    const groupAfter = await look.xinfo("GROUPS", `${PREFIX}{prompts}:stream`);
    t.same(groupAfter, groupBefore, "the consumer group moved with the stream, unchanged");
    t.match(JSON.stringify(groupAfter), /"name","trainer","consumers",1,"pending",1/);
    t.equal(await look.xlen(`${PREFIX}{prompts}:stream`), 3);

    const second = await upgrade(redis.url);
    t.equal(second.code, 0, second.stderr);
    t.match(second.stdout, 'nothing to upgrade: no old keys under the prefix "jurist:"');
    t.notMatch(second.stdout, /moved jurist:/);

    const lines: { level: number; msg: string }[] = [];
    const { fastify, runtime } = await gateway(t, redis.url, lines);
    const checkpoints = await fastify.inject({
      url: "/v1/admin/checkpoints",
      headers: { authorization: `Bearer ${apiKey}` },
    });
    t.equal(checkpoints.statusCode, 200, "the key created before the upgrade authenticates");
    t.equal(checkpoints.json().champion, LEGACY_CHAMPION);
    t.same(
      checkpoints.json().history.map((change: { to: string }) => change.to),
      [LEGACY_CHAMPION],
    );
    t.equal((await fastify.inject({ url: "/v1/admin/checkpoints" })).statusCode, 401);
    t.notOk("redis-key-layout" in (await fastify.inject({ url: "/readyz" })).json().stores);
    t.equal(gauge(await runtime.metrics.registry.metrics(), "jurist_redis_legacy_keys"), 0);
    t.notOk(lines.some((line) => line.msg.includes("jurist redis upgrade")));
  },
);

t.test("a conflict stops the upgrade before anything moves, naming both keys", async (t) => {
  const { redis, look } = await legacyRedis(t);
  // An upgraded gateway's promotion, made before the upgrade ran.
  await look.set(`${PREFIX}{registry}:champion`, "ckpt-after-upgrade");

  const result = await upgrade(redis.url);
  t.equal(result.code, 1);
  t.match(result.stderr, "jurist:registry:champion -> jurist:{registry}:champion");
  t.match(result.stderr, "nothing was moved");
  t.equal(await look.exists(`${PREFIX}keys:ids`), 1, "no other key moved either");
  t.equal(await look.exists(`${PREFIX}{keys}:ids`), 0);
  t.equal(await look.get(`${PREFIX}registry:champion`), LEGACY_CHAMPION);
  t.equal(await look.get(`${PREFIX}{registry}:champion`), "ckpt-after-upgrade");

  await look.del(`${PREFIX}{registry}:champion`);
  const again = await upgrade(redis.url);
  t.equal(again.code, 0, "runs once the operator kept one of the pair");
  t.equal(await look.get(`${PREFIX}{registry}:champion`), LEGACY_CHAMPION);
});

t.test(
  "refuses while a gateway heartbeats; with --force it takes over what that upgraded gateway wrote on its own",
  async (t) => {
    const { redis, apiKey, look } = await legacyRedis(t);
    // The hazard as it happens: an upgraded gateway starts on the old layout, finds no
    // champion and bootstraps the base model into the tagged registry, then collects.
    const { fastify } = await gateway(t, redis.url);
    t.equal(await look.exists(`${PREFIX}{registry}:champion`), 1, "the gateway bootstrapped");
    await look.xadd(`${PREFIX}{prompts}:stream`, "*", ...encodePromptFields(legacyPrompt(4)));
    const groupBefore = await look.xinfo("GROUPS", `${PREFIX}prompts`);

    const refused = await upgrade(redis.url);
    t.equal(refused.code, 1);
    t.match(refused.stderr, "refusing to upgrade while Jurist uses this Redis");
    t.match(refused.stderr, "1 gateway(s) heartbeat");
    t.match(refused.stderr, "--force");
    t.equal(await look.exists(`${PREFIX}keys:ids`), 1, "nothing moved");

    const forced = await upgrade(redis.url, "--force");
    t.equal(forced.code, 0, forced.stderr);
    t.match(forced.stdout, "jurist:registry:champion -> jurist:{registry}:champion (replacing");
    t.match(forced.stdout, "jurist:prompts -> jurist:{prompts}:stream (with the prompts");
    t.equal(await look.get(`${PREFIX}{registry}:champion`), LEGACY_CHAMPION);
    t.equal(await look.exists(`${PREFIX}keys:ids`), 0);
    const stream = await look.xrange(`${PREFIX}{prompts}:stream`, "-", "+");
    t.same(
      stream.map(([, fields]) => fields[fields.indexOf("id") + 1]),
      ["col_legacy1", "col_legacy2", "col_legacy3", "col_legacy4"],
      "the old prompts, then the one collected under the new name",
    );
    // The trainer's group kept its position: one more entry waits for it than before.
    const [before] = groupBefore as unknown[][];
    const [after] = (await look.xinfo("GROUPS", `${PREFIX}{prompts}:stream`)) as unknown[][];
    t.same(
      after,
      before!.map((value, index) => (before![index - 1] === "lag" ? 3 : value)),
    );

    // The running gateway now finds the key from before.
    const checkpoints = await fastify.inject({
      url: "/v1/admin/checkpoints",
      headers: { authorization: `Bearer ${apiKey}` },
    });
    t.equal(checkpoints.statusCode, 200);
    t.equal(checkpoints.json().champion, LEGACY_CHAMPION);
  },
);

t.test(
  "a takeover goes ahead only on what the plan judged: a registry changed or a stream a trainer reads since is left whole",
  async (t) => {
    // The live check runs once before the plan: a gateway starting after it (or any process
    // under --force) can promote a real checkpoint into the bootstrapped registry, or a
    // trainer create its group on the young stream, before the takeovers run.
    const { redis, look } = await legacyRedis(t);
    const upgrader = upgraderOf(t, redis.url);
    const base = { kind: "full", baseModel: "judge-base", uri: "judge-base", parent: null };
    const bootstrap = {
      id: "judge-base",
      ...base,
      created: 1,
      status: "champion",
      gateReport: null,
    };
    await look.hset(`${PREFIX}{registry}:checkpoints`, "judge-base", JSON.stringify(bootstrap));
    await look.set(`${PREFIX}{registry}:champion`, "judge-base");
    await look.xadd(`${PREFIX}{prompts}:stream`, "*", ...encodePromptFields(legacyPrompt(4)));

    const plan = await planUpgrade(upgrader, PREFIX);
    t.same(
      plan.moves.filter((move) => move.takeover).map((move) => move.to),
      ["{registry}:checkpoints", "{registry}:champion", "{prompts}:stream"],
      "the plan takes over what looks bootstrapped and young",
    );
    // Meanwhile: a candidate registered (the champion unchanged), and a trainer's group on
    // the tagged stream.
    const candidate = { ...bootstrap, id: "ckpt-meanwhile", kind: "lora", status: "candidate" };
    await look.hset(`${PREFIX}{registry}:checkpoints`, candidate.id, JSON.stringify(candidate));
    await look.xgroup("CREATE", `${PREFIX}{prompts}:stream`, "trainer", "0");

    const outcome = await applyUpgrade(upgrader, PREFIX, plan);
    t.same(
      outcome.conflicts.map((move) => move.to).sort(),
      ["{prompts}:stream", "{registry}:champion", "{registry}:checkpoints"],
      "reported as conflicts",
    );
    t.same(
      Object.keys(await look.hgetall(`${PREFIX}{registry}:checkpoints`)).sort(),
      ["ckpt-meanwhile", "judge-base"],
      "the registration is not deleted",
    );
    t.equal(
      await look.get(`${PREFIX}{registry}:champion`),
      "judge-base",
      "nor the registry mixed with the old one",
    );
    t.equal(await look.get(`${PREFIX}registry:champion`), LEGACY_CHAMPION, "the old one stays");
    t.equal(await look.xlen(`${PREFIX}{prompts}:stream`), 1, "the read stream keeps its entry");
    t.equal(
      ((await look.xinfo("GROUPS", `${PREFIX}{prompts}:stream`)) as unknown[]).length,
      1,
      "and its group",
    );
    t.equal(await look.xlen(`${PREFIX}prompts`), 3, "the old stream is untouched");
  },
);

t.test(
  "a young stream of many entries merges a bounded batch per script, in order, keeping the trainer's group",
  async (t) => {
    // An upgraded gateway may collect into the tagged stream for hours before the upgrade, up
    // to the length cap (a million entries, ~4 GB): one script reading all of it would block
    // the Redis and grow its memory outside maxmemory. Each script call runs XRANGE once.
    const { redis, look } = await legacyRedis(t);
    const upgrader = upgraderOf(t, redis.url);
    const young = 2_500;
    const append = look.pipeline();
    for (let n = 0; n < young; n++) {
      append.xadd(`${PREFIX}{prompts}:stream`, "*", ...encodePromptFields(legacyPrompt(100 + n)));
    }
    await append.exec();
    const groupBefore = (await look.xinfo("GROUPS", `${PREFIX}prompts`)) as unknown[][];

    const plan = await planUpgrade(upgrader, PREFIX);
    await look.config("RESETSTAT");
    const outcome = await applyUpgrade(upgrader, PREFIX, plan);
    t.same(outcome.conflicts, []);
    const stats = String(await look.info("commandstats"));
    const xranges = Number(/cmdstat_xrange:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    t.equal(xranges, 3, "2,500 entries in three scripts of at most 1,000");

    const ids = (await look.xrange(`${PREFIX}{prompts}:stream`, "-", "+")).map(
      ([, fields]) => fields[fields.indexOf("id") + 1],
    );
    t.equal(ids.length, 3 + young);
    t.same(ids.slice(0, 4), ["col_legacy1", "col_legacy2", "col_legacy3", "col_legacy100"]);
    t.equal(ids.at(-1), `col_legacy${100 + young - 1}`, "in order");
    const [after] = (await look.xinfo("GROUPS", `${PREFIX}{prompts}:stream`)) as unknown[][];
    t.equal(
      after![after!.indexOf("name") + 1],
      groupBefore[0]![groupBefore[0]!.indexOf("name") + 1],
    );
    t.equal(await look.exists(`${PREFIX}prompts`), 0, "the old name is gone");
  },
);

t.test(
  "refuses while the trainer holds its lease or an older Jurist is connected (no heartbeats before 79a0ab1's successors)",
  async (t) => {
    const { redis, look } = await legacyRedis(t);
    await look.set(`${PREFIX}trainer:lease`, "trainer-pod-7", "PX", 60_000);
    // Versions before the tags named their connections `jurist-commands` and sent no heartbeat.
    const old = new Redis(redis.url, { connectionName: "jurist-commands" });
    t.teardown(() => old.disconnect());
    await old.ping();

    const refused = await upgrade(redis.url);
    t.equal(refused.code, 1);
    t.match(refused.stderr, "the trainer lease is held (by trainer-pod-7)");
    t.match(refused.stderr, "1 other connection(s) named jurist-*");
    t.notMatch(refused.stderr, "heartbeat");
    t.equal(await look.exists(`${PREFIX}prompts`), 1, "nothing moved");
  },
);

t.test(
  "on old keys, the gateway and the trainer start, log an error naming the command and report it in /readyz and metrics",
  async (t) => {
    const redis = await startRedis(t);
    const { apiKey } = await seedLegacyLayout(redis.url, PREFIX);

    const lines: { level: number; msg: string }[] = [];
    const { fastify, runtime } = await gateway(t, redis.url, lines);
    const errors = lines.filter(
      (line) => line.level === 50 && line.msg.includes("jurist redis upgrade"),
    );
    t.equal(errors.length, 1, "one error at start-up names the command");
    const ready = (await fastify.inject({ url: "/readyz" })).json();
    t.equal(ready.stores["redis-key-layout"], "degraded");
    t.equal(ready.scopes.process.status, "ready", "the gateway keeps serving");
    t.equal(gauge(await runtime.metrics.registry.metrics(), "jurist_redis_legacy_keys"), 5);
    // The hazard itself: the key from before is not found by this version.
    const checkpoints = await fastify.inject({
      url: "/v1/admin/checkpoints",
      headers: { authorization: `Bearer ${apiKey}` },
    });
    t.equal(checkpoints.statusCode, 401, "an API key from before is unknown until the upgrade");
  },
);

t.test("the trainer reports old keys in its metrics", async (t) => {
  const redis = await startRedis(t);
  await seedLegacyLayout(redis.url, PREFIX);
  const sims = await startSims(t, 1);
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  const opened = await openTrainerEnv(
    trainerConfig(t.testdir(), sims[0]!.url, { REDIS_URL: redis.url, JURIST_REDIS_PREFIX: PREFIX }),
    logger,
  );
  t.teardown(() => opened.close());
  t.equal(gauge(await opened.metrics.registry.metrics(), "jurist_redis_legacy_keys"), 5);
  t.ok(lines.some((line) => line.level === 50 && line.msg.includes("jurist redis upgrade")));
});
