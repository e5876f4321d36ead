import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig } from "../../src/config/config.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import { blobDir, stateRedisTarget } from "../../src/store/create-stores.ts";
import { blobFilePath } from "../../src/store/file-blob-store.ts";
import { openTrainerEnv, sharedSignal } from "../pipeline/open-trainer-env.ts";
import { createCandidateReview } from "./candidate-review.ts";
import { intakeBlobsFor } from "./intake-blobs.ts";
import { startMetricsServer } from "./metrics-server.ts";
import { formatTrainerReport, readTrainerReport } from "./status-command.ts";
import { createTrainerWorker } from "./trainer-worker.ts";

export const TRAINER_USAGE = `usage: jurist trainer [run] | jurist trainer status [--json]
  run      the long-running trainer worker: takes collected prompts from the prompt stream
           (consumer group "trainer") and runs an iteration whenever
           JURIST_TRAIN_MIN_NEW_PROMPTS are waiting; /metrics on JURIST_TRAIN_METRICS_PORT
  status   what the worker is doing, its backlog, and every iteration's progress`;

async function runWorker(simulation?: Simulation): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, name: "jurist-trainer" });
  const stop = new AbortController();
  const signal = sharedSignal(stop.signal);
  const onSignal = (name: string) => {
    logger.info(`${name}: stopping after the records in flight are written`);
    stop.abort(new Error(`${name}: stopping; the next start resumes`));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  if (!stateRedisTarget(config)) {
    // The gateway's prompt log lives in its own memory without Redis: nothing reaches us.
    logger.warn(
      "REDIS_URL (or JURIST_REDIS_CLUSTER_NODES) is unset: this worker cannot see prompts a gateway collects (they stay in the gateway's memory); so it would wait forever. Set REDIS_URL, let serve run the embedded trainer, or use jurist train for seed files",
    );
  }
  // Stable across restarts like the consumer name: a restarted worker takes its entry over.
  const opened = await openTrainerEnv(
    config,
    logger,
    simulation,
    `trainer:${config.trainer.consumer}`,
  );
  const server =
    config.trainer.metricsPort > 0
      ? await startMetricsServer(opened.metrics.registry, config.trainer.metricsPort, config.host)
      : null;
  if (server) logger.info({ metrics: `${server.url}/metrics` }, "trainer metrics serving");
  const review = createCandidateReview({ env: opened.env, shadow: opened.stores.shadow, signal });
  try {
    const worker = createTrainerWorker({
      env: opened.env,
      promptLog: opened.stores.promptLog,
      blobPath: (sha256) => blobFilePath(blobDir(config), sha256),
      blobs: intakeBlobsFor(config, opened.stores.blobs, logger),
      signal,
      onIteration: review.afterIteration,
    });
    await worker.run();
  } finally {
    await review.close();
    await server?.close();
    await opened.close();
  }
}

async function printStatus(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" } } });
  const config = loadConfig();
  const report = await readTrainerReport(config, pino({ level: "silent" }));
  process.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : formatTrainerReport(report),
  );
}

/** `jurist trainer [run|status]`. */
export async function runTrainerCommand(argv: string[], simulation?: Simulation): Promise<void> {
  const [sub = "run", ...rest] = argv;
  if (sub === "run") return runWorker(simulation);
  if (sub === "status") return printStatus(rest);
  process.stderr.write(`${TRAINER_USAGE}\n`);
  process.exitCode = 2;
}
