import { execFile } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { workerFor } from "./worker-fixtures.ts";

const cli = promisify(execFile);

function series(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/**
 * Issue 20: against a Redis it could not use, the worker's `XGROUP CREATE` failed, the loop
 * logged and retried, and no metric moved, so JuristTrainerIterationFailed could not fire.
 * Here Redis refuses XGROUP (an ACL, the same refusal at the same call as the Cluster's):
 * the failure counts as a failed iteration and as a Redis error of the state role.
 */
t.test("a worker whose XGROUP CREATE fails counts it in its metrics", async (t) => {
  const redis = await startRedis(t);
  const sims = await startSims(t, 2, { seed: 0 });
  const config = loadConfig({
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_DATA_DIR: join(t.testdir(), "data"),
    JURIST_LOG_LEVEL: "silent",
    JURIST_TRAIN_POLL_MS: "50",
  });
  const opened = await openTrainerEnv(config, pino({ level: "silent" }));
  t.teardown(() => opened.close());
  await cli("redis-cli", ["-p", String(redis.port), "acl", "setuser", "default", "-xgroup"]);

  const metrics = async () => opened.metrics.registry.metrics();
  const before = await metrics();
  t.equal(series(before, "jurist_trainer_iterations_total", 'outcome="failed"'), 0);

  const stop = new AbortController();
  const worker = workerFor(opened, config, stop);
  const running = worker.run();
  while (worker.status().state !== "failed") await sleep(20);
  stop.abort();
  await running;

  const after = await metrics();
  t.ok(
    series(after, "jurist_trainer_iterations_total", 'outcome="failed"') >= 1,
    "jurist_trainer_iterations_total{outcome=failed} counts the iteration that could not start",
  );
  t.ok(
    series(after, "jurist_redis_errors_total", 'role="state",cause="other"') >= 1,
    "and the refused command counts as a state-role Redis error",
  );
  t.match(worker.status().lastError, /NOPERM|xgroup/i, "the status says why");
});
