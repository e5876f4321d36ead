import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { TRAINER_GROUP } from "../../../trainer/worker/trainer-worker.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startRedisCluster } from "../../helpers/redis-cluster.ts";
import { collectPrompts } from "../collected-prompts.ts";
import { trainerStatus, workerFor } from "./worker-fixtures.ts";

/**
 * The trainer worker on a real 3-master Redis Cluster (`JURIST_REDIS_CLUSTER_NODES`): its
 * consumer group (XGROUP CREATE, XREADGROUP, XACK on the `{prompts}` stream), its lease and
 * iteration state (single-key scripts and hashes), the candidate it registers (the registry's
 * tagged keys) and `jurist trainer status` reading it back — the path issue 20 found failing
 * at XGROUP CREATE.
 */
t.test("the worker runs an iteration from a Redis Cluster and acks every prompt", async (t) => {
  const cluster = await startRedisCluster(t);
  const sims = await startSims(t, 2, { seed: 0 });
  const env = {
    JURIST_REDIS_CLUSTER_NODES: cluster.nodes.join(","),
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_DATA_DIR: join(t.testdir(), "data"),
    JURIST_LOG_LEVEL: "silent",
    JURIST_TRAIN_MIN_NEW_PROMPTS: "30",
    JURIST_TRAIN_POLL_MS: "100",
    JURIST_TRAIN_CONSUMER: "worker-a",
  };
  const config = loadConfig(env);
  const opened = await openTrainerEnv(config, pino({ level: "silent" }));
  t.teardown(() => opened.close());
  const { promptLog, blobs } = opened.stores;
  const collected = await collectPrompts(promptLog, blobs, 32, 21);

  const stop = new AbortController();
  const worker = workerFor(opened, config, stop);
  const running = worker.run();
  while (!worker.status().lastCompleted && worker.status().state !== "failed") await sleep(100);
  stop.abort();
  await running;
  t.equal(worker.status().lastError, null, "no error on the way");
  t.match(worker.status().lastCompleted, { iteration: 1, candidate: /^jurist-judge-it1-/ });

  const consumer = promptLog.consumer({ group: TRAINER_GROUP, consumer: "worker-a" });
  t.equal(await consumer.backlog(), 0, `all ${collected.length} prompts taken and acknowledged`);
  const candidate = await opened.stores.registry.get(worker.status().lastCompleted!.candidate);
  t.match(candidate, { status: "candidate", kind: "lora" }, "registered in the cluster");
  const metrics = await opened.metrics.registry.metrics();
  t.match(metrics, /jurist_trainer_iterations_total\{outcome="completed"\} 1/);
  t.notMatch(metrics, /jurist_redis_errors_total\{[^}]*\} [1-9]/, "no Redis command failed");

  const { code, out } = await trainerStatus(env);
  t.equal(code, 0);
  t.match(out, /last completed: iteration 1 → candidate jurist-judge-it1-/);
});
