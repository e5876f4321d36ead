import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import t, { type Test } from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { runEvaluation } from "../../../trainer/eval/eval-command.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { trainerCallLimit } from "../../../trainer/pipeline/trainer-capacity.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { until } from "../../helpers/grpc.ts";
import { sameAs, servedShare, share } from "../../helpers/peer-share.ts";
import { freePort, startRedis } from "../../helpers/redis-server.ts";
import { tempDir, writeJuristBench } from "../../trainer/eval/evaluate-fixtures.ts";

/**
 * Issue 20: the trainer's own fleet took each replica's whole share on top of the gateways'
 * (a replica sent up to ~1.75× its `--max-num-seqs`). A trainer beats into the gateways' set
 * (`ZADD gateways`) and takes a part like a gateway: one real Redis, one simulated replica of
 * `--max-num-seqs` 12, a gateway alone at 12; a trainer joins and both hold 12 ÷ 2 = 6; it
 * leaves (`ZREM`) and the gateway has 12 again. Read from metrics and the Redis set, never
 * timings.
 */

const SEQS = 12;
const cli = promisify(execFile);
const CLI = fileURLToPath(new URL("../../../bin/jurist.js", import.meta.url));

async function world(t: Test, intervalMs: number) {
  const redis = await startRedis(t);
  const [sim] = await startSims(t, 1, { maxConcurrency: SEQS });
  const env = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sim!.url,
    JURIST_REPLICA_MAX_NUM_SEQS: String(SEQS),
    JURIST_GATEWAY_PEERS_INTERVAL_MS: String(intervalMs),
    JURIST_HEALTH_INTERVAL_MS: "200",
    JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    JURIST_COLLECT_RATE: "0",
  };
  /** The peers' set as Redis holds it. */
  const members = async () =>
    (
      await cli("redis-cli", ["-p", String(redis.port), "zrange", "jurist:gateways", "0", "-1"])
    ).stdout
      .split("\n")
      .filter(Boolean);
  return { env, sim: sim!, members, gateway: () => buildGateway(t, env, { listen: true }) };
}

/** `jurist trainer` as its own process, its /metrics on a free port; `stop` is SIGTERM. */
async function trainerProcess(t: Test, env: Record<string, string>, consumer: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, "trainer"], {
    env: {
      ...process.env,
      ...env,
      JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-trainer-")),
      JURIST_LOG_LEVEL: "warn",
      JURIST_TRAIN_CONSUMER: consumer,
      JURIST_TRAIN_METRICS_PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  t.teardown(stop);
  const url = `http://127.0.0.1:${port}`;
  const up = await until(
    async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true,
    60_000,
  );
  if (!up) throw new Error("jurist trainer did not serve /healthz in 60 s");
  return { url, stop, exited };
}

t.test("a `jurist trainer` process counts as a peer while it runs, and leaves", async (t) => {
  // Beats every second, so an entry would expire only 5 s after its last beat: an entry gone
  // as soon as the trainer has exited was removed by its goodbye (ZREM), not by expiry.
  const { env, members, gateway } = await world(t, 1_000);
  const a = await gateway();
  t.same(await share(a.runtime), [1, SEQS], "the gateway alone: the replica's whole 12");

  const trainer = await trainerProcess(t, env, "worker-a");
  t.ok(
    await sameAs(() => share(a.runtime), [2, SEQS / 2]),
    "the trainer joins: the gateway halves to 6",
  );
  t.ok(await sameAs(() => servedShare(trainer.url), [2, SEQS / 2]), "and the trainer holds 6 too");
  const joined = await members();
  t.ok(joined.includes("trainer:worker-a"), "under its consumer's name in the gateways' set");
  t.equal(joined.length, 2, "beside the gateway");

  await trainer.stop();
  t.same(
    await members(),
    joined.filter((id) => id !== "trainer:worker-a"),
    "it left: ZREM on exit",
  );
  t.ok(await sameAs(() => share(a.runtime), [1, SEQS]), "and the gateway has the 12 again");
});

t.test("the trainer's pool limit follows the count as peers come and go", async (t) => {
  const { env, members, gateway } = await world(t, 100);
  const a = await gateway();
  const config = loadConfig({
    ...env,
    JURIST_DATA_DIR: join(t.testdir(), "trainer"),
    JURIST_LOG_LEVEL: "silent",
  });
  const opened = await openTrainerEnv(config, pino({ level: "silent" }));
  let closed = false;
  t.teardown(async () => {
    if (!closed) await opened.close();
  });
  const { fleet } = opened.env;
  t.ok(await until(() => fleet.snapshots()[0]?.healthy === true), "the trainer sees the replica");
  const checkpoint = fleet.snapshots()[0]!.models[0]!.id;
  const poolLimit = trainerCallLimit(fleet, config.engine.priority, "auto");

  t.ok(await sameAs(() => share(a.runtime), [2, 6]), "gateway and trainer: 12 ÷ 2 = 6 each");
  t.same(await share(opened), [2, 6], "the trainer's own metrics say so");
  t.equal(fleet.snapshots()[0]!.maxInFlight, 6, "its fleet's limit on the replica");
  t.equal(poolLimit(checkpoint), 4, "its pool: 6 less the 25% interactive reserve");
  t.equal(
    (await members()).filter((id) => /^trainer:.+-\d+-[0-9a-f]{8}$/.test(id)).length,
    1,
    "it beats as trainer:<host>-<pid>-<random>",
  );

  const b = await buildGateway(t, env, { listen: true });
  t.ok(await sameAs(() => share(opened), [3, 4]), "a second gateway: 12 ÷ 3 = 4");
  t.ok(await sameAs(() => share(b.runtime), [3, 4]));
  t.equal(poolLimit(checkpoint), 3, "the trainer's pool follows: 4 less the reserve");

  closed = true;
  await opened.close();
  t.ok(await sameAs(() => share(a.runtime), [2, 6]), "the trainer leaves: the gateways have 6");
  t.ok(await sameAs(() => share(b.runtime), [2, 6]));
  t.notOk(
    (await members()).some((id) => id.startsWith("trainer:")),
    "its entry is gone",
  );
});

t.test("`jurist eval` on the gateways' replicas counts as a peer while it runs", async (t) => {
  const { env, sim, members, gateway } = await world(t, 100);
  const a = await gateway();
  t.same(await share(a.runtime), [1, SEQS]);
  const config = loadConfig({
    ...env,
    JURIST_DATA_DIR: join(t.testdir(), "eval"),
    JURIST_LOG_LEVEL: "silent",
  });
  // The replica holds the evaluation's first calls until the count has been read.
  sim.setOptions({ stall: true });
  const running = runEvaluation(config, pino({ level: "silent" }), {
    bench: writeJuristBench(tempDir("peer-eval-bench"), { n: 4 }),
    format: "jurist",
    out: join(tempDir("peer-eval-out"), "run"),
    unparseable: "wrong",
    seed: 0,
  });
  t.ok(await sameAs(() => share(a.runtime), [2, SEQS / 2]), "the evaluation joins: 6 each");
  t.ok(
    await until(async () => (await members()).some((id) => id.startsWith("eval:"))),
    "as eval:<host>-<pid>-<random>",
  );
  sim.setOptions({ stall: false });
  t.match((await running).run, { items: { length: 4 } }, "and evaluates every item");
  t.ok(await sameAs(() => share(a.runtime), [1, SEQS]), "done: it left, the gateway has 12");
  t.notOk((await members()).some((id) => id.startsWith("eval:")));
});
