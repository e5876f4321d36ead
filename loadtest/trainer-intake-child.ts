/**
 * One measurement of `trainer-intake.ts` in a process of its own, so its peak RSS is its
 * own: prints one JSON line on stdout, progress on stderr. Modes:
 * - `intake`: runIntake then runClassify over the whole stream (a fresh consumer group);
 * - `baseline-read`: the same consumer API reading and acking the stream, nothing else;
 * - `idle`: loads the same modules and exits (the RSS floor);
 * - `synthesis`: runSynthesize against simulated replicas (see trainer-synthesis.ts).
 * Run by trainer-intake.ts: node --expose-gc --import=tsx loadtest/trainer-intake-child.ts <mode> …
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { DEFAULT_IMAGE_BUDGET } from "../src/images/image-intake.ts";
import { blobFilePath } from "../src/store/file-blob-store.ts";
import type { PromptConsumer } from "../src/store/prompt-log.ts";
import { createRedisClient } from "../src/store/redis-client.ts";
import { createRedisPromptLog } from "../src/store/redis-prompt-log.ts";
import { buildContaminationIndex } from "../trainer/core/contamination-guard.ts";
import { runClassify } from "../trainer/stages/classify.ts";
import { runIntake } from "../trainer/stages/intake.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
} from "../trainer/stages/iteration-context.ts";
import { type BenchScope, createBenchScope, progress } from "./bench-scope.ts";
import {
  benchmarkItems,
  HOLDOUT_FRACTION,
  KEY_PREFIX,
  STREAM_MAX_LENGTH,
} from "./trainer-bench-prompts.ts";

/** The intake stage's default batch, used by the read-and-ack floor as well. */
const READ_BATCH = 500;

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: {
    redis: { type: "string", default: "" },
    "blob-dir": { type: "string", default: "" },
    "work-dir": { type: "string", default: "" },
    group: { type: "string", default: "bench" },
    count: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "8" },
    prompts: { type: "string", default: "400" },
  },
});
const logger = pino({ level: "silent" });

/** Peak RSS of this process so far (bytes) and, after a forced GC, the heap still in use. */
function memory(): { maxRss: number; heapAfterGc: number | null } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    maxRss: process.resourceUsage().maxRSS * 1024,
    heapAfterGc: gc ? process.memoryUsage().heapUsed : null,
  };
}

async function openConsumer(scope: BenchScope): Promise<PromptConsumer> {
  const client = createRedisClient({ url: args.redis, keyPrefix: KEY_PREFIX, logger });
  scope.teardown(() => client.close());
  if (!(await client.ready())) throw new Error(`redis at ${args.redis} is not ready`);
  const log = createRedisPromptLog({ client, maxLength: STREAM_MAX_LENGTH });
  return log.consumer({ group: args.group, consumer: "bench" });
}

function intakeContext(): IterationContext {
  return {
    iteration: 1,
    dir: args["work-dir"],
    seed: 0,
    engine: {
      session() {
        throw new Error("intake and classify call no engine");
      },
    },
    generator: "none",
    judge: "none",
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    // No config here, and intake and classify send no image anywhere.
    imageBudget: DEFAULT_IMAGE_BUDGET,
    concurrency: 8,
    logger,
    signal: new AbortController().signal,
  };
}

async function intake(scope: BenchScope) {
  const count = Number(args.count);
  const { items, expectedDrops } = benchmarkItems(count);
  const contamination = buildContaminationIndex(items);
  const consumer = await openConsumer(scope);
  const ctx = intakeContext();
  const started = performance.now();
  const result = await runIntake(ctx, {
    seedFiles: [],
    stream: {
      consumer,
      blobPath: (sha256) => blobFilePath(args["blob-dir"], sha256),
      maxPrompts: count,
      onBatch: (taken) => {
        if (taken % 10_000 === 0) progress(`intake: ${taken} taken`);
      },
    },
    contamination,
    holdout: { fraction: HOLDOUT_FRACTION },
  });
  const intakeDone = performance.now();
  const classify = await runClassify(ctx);
  const done = performance.now();
  return {
    intake: result,
    classify,
    seconds: (done - started) / 1000,
    intakeSeconds: (intakeDone - started) / 1000,
    classifySeconds: (done - intakeDone) / 1000,
    backlogAfter: await consumer.backlog(),
    benchmarkItems: items.length,
    expectedDrops,
    ...memory(),
  };
}

async function baselineRead(scope: BenchScope) {
  const consumer = await openConsumer(scope);
  const started = performance.now();
  let taken = 0;
  let unreadable = 0;
  for (;;) {
    const entries = await consumer.read(READ_BATCH);
    if (entries.length === 0) break;
    unreadable += entries.filter((entry) => entry.record === null).length;
    await consumer.ack(entries.map((entry) => entry.entryId));
    taken += entries.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { taken, unreadable, seconds, backlogAfter: await consumer.backlog(), ...memory() };
}

async function synthesis(scope: BenchScope) {
  const { measureSynthesis } = await import("./trainer-synthesis.ts");
  const result = await measureSynthesis(scope, {
    dir: args["work-dir"],
    concurrency: Number(args.concurrency),
    prompts: Number(args.prompts),
  });
  return { ...result, ...memory() };
}

const MODES: Record<string, (scope: BenchScope) => Promise<unknown>> = {
  intake,
  "baseline-read": baselineRead,
  idle: async () => memory(),
  synthesis,
};

const mode = positionals[0] ?? "";
const run = MODES[mode];
if (!run) throw new Error(`unknown mode "${mode}"; one of ${Object.keys(MODES).join(", ")}`);
const scope = createBenchScope();
try {
  process.stdout.write(`${JSON.stringify({ mode, ...((await run(scope)) as object) })}\n`);
} finally {
  await scope.close();
}
