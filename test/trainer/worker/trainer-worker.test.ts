import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { blobDir } from "../../../src/store/create-stores.ts";
import type { PromptRecord } from "../../../src/store/prompt-log.ts";
import { PROMPT_STREAM_KEY } from "../../../src/store/redis-prompt-log.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import type { IntakePrompt, IntakeSkip } from "../../../trainer/stages/intake-sink.ts";
import { TRAINER_GROUP } from "../../../trainer/worker/trainer-worker.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { collectPrompts } from "../collected-prompts.ts";
import { trainerStatus, workerFor } from "./worker-fixtures.ts";

const logger = pino({ level: "silent" });

t.test(
  "the worker takes collected prompts from Redis, runs an iteration, and acks every one",
  async (t) => {
    const redis = await startRedis(t);
    const sims = await startSims(t, 2, { seed: 0 });
    const env = {
      REDIS_URL: redis.url,
      JURIST_REDIS_PREFIX: "worker-test:",
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_DATA_DIR: join(t.testdir(), "data"),
      JURIST_LOG_LEVEL: "silent",
      JURIST_TRAIN_MIN_NEW_PROMPTS: "30",
      JURIST_TRAIN_POLL_MS: "100",
      JURIST_TRAIN_CONSUMER: "worker-a",
    };
    const config = loadConfig(env);
    const opened = await openTrainerEnv(config, logger);
    t.teardown(() => opened.close());
    const { promptLog, blobs } = opened.stores;

    const early = await collectPrompts(promptLog, blobs, 20, 11);
    t.equal(await promptLog.consumer({ group: TRAINER_GROUP, consumer: "w" }).backlog(), 20);
    // A worker that read ten entries and died before acknowledging them (same consumer name).
    const crashed = promptLog.consumer({ group: TRAINER_GROUP, consumer: "worker-a" });
    const unacked = await crashed.read(10);
    t.equal(unacked.length, 10);
    // An entry whose image never reached the blob store.
    const orphan: PromptRecord = {
      ...early[0]!,
      id: "col_orphan",
      imageHashes: ["f".repeat(64)],
      contentHash: "orphan",
    };
    await promptLog.appendBatch([orphan], 0);

    const stop = new AbortController();
    const worker = workerFor(opened, config, stop);
    const running = worker.run();
    await sleep(400);
    t.equal(
      worker.status().lastCompleted,
      null,
      "21 waiting prompts are below the threshold of 30",
    );
    t.equal(worker.status().backlog, 21);
    t.equal(
      await opened.env.state.acquireLease("someone-else", 10_000),
      false,
      "one worker holds the lease",
    );

    const late = await collectPrompts(promptLog, blobs, 15, 12);
    while (!worker.status().lastCompleted) await sleep(100);
    stop.abort();
    await running;

    const dir = join(config.dataDir, "trainer", "iteration-1");
    const taken = [
      ...(await readRecords<IntakePrompt>(join(dir, "intake.jsonl"))),
      ...(await readRecords<IntakePrompt>(join(dir, "holdout.jsonl"))),
    ];
    const skips = await readRecords<IntakeSkip>(join(dir, "intake-skips.jsonl"));
    t.strictSame(
      taken.map((prompt) => prompt.id).sort(),
      [...early, ...late].map((record) => record.id).sort(),
      "every collected prompt was taken exactly once, the unacknowledged ten included",
    );
    t.ok(
      taken.every(
        (prompt) =>
          prompt.source === "stream" &&
          prompt.images.every((path) => path.startsWith(blobDir(config))),
      ),
    );
    t.match(skips, [{ reason: "missing_image", detail: /col_orphan/ }]);

    const consumer = promptLog.consumer({ group: TRAINER_GROUP, consumer: "worker-a" });
    t.equal(await consumer.backlog(), 0, "nothing left unacknowledged");
    const pending = (await opened.stores.redis!.commands.xpending(
      PROMPT_STREAM_KEY,
      TRAINER_GROUP,
    )) as [number, ...unknown[]];
    t.equal(pending[0], 0, "XPENDING is empty");

    const status = await opened.env.state.status();
    t.match(status, {
      state: "stopped",
      lastCompleted: { iteration: 1, candidate: /^jurist-judge-it1-/ },
    });
    t.same(
      (await opened.env.state.iteration(1)).completed.length,
      7,
      "the iteration state is in Redis",
    );
    const candidate = await opened.stores.registry.get(status!.lastCompleted!.candidate);
    t.match(candidate, { status: "candidate", kind: "lora" });

    const metrics = await opened.metrics.registry.metrics();
    t.match(metrics, /jurist_trainer_iterations_total\{outcome="completed"\} 1/);
    t.match(
      metrics,
      /jurist_trainer_stage_duration_seconds_count\{stage="synthesize",outcome="ok"\} 1/,
    );
    t.match(metrics, /jurist_trainer_retention_ratio\{question_type="all"\} 0\.\d+/);
    t.match(metrics, /jurist_trainer_skips\{stage="intake",reason="missing_image"\} 1/);
    t.match(metrics, /jurist_trainer_backlog \d+/);

    const { code, out } = await trainerStatus(env);
    t.equal(code, 0);
    t.match(out, /^trainer: stopped \(worker /m);
    t.match(out, /last completed: iteration 1 → candidate jurist-judge-it1-/);
    t.match(out, /^ {2}1: complete, candidate jurist-judge-it1-/m);
  },
);
