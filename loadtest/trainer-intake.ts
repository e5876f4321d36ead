/**
 * The trainer's intake at volume: 100,000 collected prompts in a private Redis stream (images
 * in a file blob store) go through runIntake and runClassify in a child process of their
 * own, beside a child that only reads and acks the stream (the throughput floor) and one
 * that only loads the modules (the RSS floor); then runSynthesize against two simulated
 * replicas, counting generator calls in flight against the configured concurrency. Prints a
 * Markdown table (every figure beside its target and a baseline from the same run) and
 * writes results/trainer-intake.json. Exits 0 when targets are missed (the table says
 * MISSED); non-zero only when the benchmark itself breaks.
 * Run: npm run bench:trainer [-- --prompts 100000 --synthesis-prompts 400 --concurrency 8]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createFileBlobStore } from "../src/store/file-blob-store.ts";
import { createRedisClient } from "../src/store/redis-client.ts";
import { createRedisPromptLog } from "../src/store/redis-prompt-log.ts";
import { startRedis } from "../test/helpers/redis-server.ts";
import type { BenchRow } from "./bench-row.ts";
import { renderTable } from "./bench-row.ts";
import { type BenchScope, createBenchScope, progress } from "./bench-scope.ts";
import { fixed, mebibytes, percent } from "./latency-stats.ts";
import {
  fillPromptStream,
  HOLDOUT_FRACTION,
  KEY_PREFIX,
  STREAM_MAX_LENGTH,
  writeBenchImages,
} from "./trainer-bench-prompts.ts";
import type { SynthesisRun } from "./trainer-synthesis.ts";

/** The whole run must finish within this; past it the process exits 2. */
const RUN_LIMIT_MS = 300_000;
/** The issue's ceiling on the intake process's peak RSS. */
const RSS_LIMIT_BYTES = 300e6;
/** Mean generator calls in flight ÷ configured concurrency, at least. */
const UTILISATION_TARGET = 0.8;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(new URL("./trainer-intake-child.ts", import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));
const COMMAND = "npm run bench:trainer";

const { values: args } = parseArgs({
  options: {
    prompts: { type: "string", default: "100000" },
    "synthesis-prompts": { type: "string", default: "400" },
    concurrency: { type: "string", default: "8" },
  },
});
const PROMPTS = Number(args.prompts);
const SYNTHESIS_PROMPTS = Number(args["synthesis-prompts"]);
const CONCURRENCY = Number(args.concurrency);

interface Memory {
  /** Peak RSS of the child (getrusage maxrss), bytes. */
  maxRss: number;
  /** Heap in use after a forced GC at the end, bytes. */
  heapAfterGc: number | null;
}

interface IntakeRun extends Memory {
  intake: {
    read: number;
    train: number;
    heldOut: number;
    skipped: Record<string, number>;
  };
  classify: { closed: number; open: number };
  seconds: number;
  intakeSeconds: number;
  classifySeconds: number;
  backlogAfter: number;
  benchmarkItems: number;
  expectedDrops: number;
}

interface ReadRun extends Memory {
  taken: number;
  unreadable: number;
  seconds: number;
  backlogAfter: number;
}

interface SynthesisResult extends Memory {
  replicas: number;
  latencyMs: number;
  measured: SynthesisRun;
  baseline: SynthesisRun;
}

interface Measured {
  idle?: Memory;
  read?: ReadRun;
  intake?: IntakeRun;
  synthesis?: SynthesisResult;
}

/** Runs one child mode to its end; resolves to the JSON it printed, rejects on a failure. */
async function runChild<T>(scope: BenchScope, mode: string, extra: string[]): Promise<T> {
  const child = spawn(process.execPath, ["--expose-gc", "--import=tsx", CHILD, mode, ...extra], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  scope.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  if (code !== 0) throw new Error(`child ${mode} exited (code ${code}, signal ${signal})`);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as T;
}

/** The private Redis with PROMPTS collected prompts in its stream, images in `blobDir`. */
async function fillStream(scope: BenchScope, blobDir: string): Promise<string> {
  const redis = await startRedis(scope);
  progress(`redis on ${redis.url}; writing images and filling the stream with ${PROMPTS} prompts`);
  const hashes = await writeBenchImages(createFileBlobStore({ dir: blobDir }));
  const logger = pino({ level: "silent" });
  const client = createRedisClient({ url: redis.url, keyPrefix: KEY_PREFIX, logger });
  try {
    if (!(await client.ready())) throw new Error("redis is not ready");
    const log = createRedisPromptLog({ client, maxLength: STREAM_MAX_LENGTH });
    const appended = await fillPromptStream(log, hashes, PROMPTS, (total) => {
      if (total % 20_000 === 0) progress(`filled ${total}`);
    });
    const length = await log.length();
    if (appended !== PROMPTS || length !== PROMPTS) {
      throw new Error(`stream holds ${length} of ${PROMPTS} prompts (${appended} appended)`);
    }
  } finally {
    await client.close();
  }
  return redis.url;
}

async function measure(scope: BenchScope, measured: Measured): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "jurist-bench-trainer-"));
  scope.teardown(() => rmSync(root, { recursive: true, force: true }));
  const blobDir = join(root, "blobs");
  const url = await fillStream(scope, blobDir);
  const stream = (group: string) => ["--redis", url, "--blob-dir", blobDir, "--group", group];
  progress("idle child: modules only");
  measured.idle = await runChild<Memory>(scope, "idle", []);
  progress("baseline-read child: read and ack the whole stream");
  measured.read = await runChild<ReadRun>(scope, "baseline-read", stream("bench-read"));
  progress("intake child: runIntake + runClassify over the whole stream");
  measured.intake = await runChild<IntakeRun>(scope, "intake", [
    ...stream("bench-intake"),
    ...["--work-dir", join(root, "iteration-1"), "--count", String(PROMPTS)],
  ]);
  progress("synthesis child");
  measured.synthesis = await runChild<SynthesisResult>(scope, "synthesis", [
    ...["--work-dir", join(root, "synthesis")],
    ...["--concurrency", String(CONCURRENCY), "--prompts", String(SYNTHESIS_PROMPTS)],
  ]);
}

const count = (value: number) => value.toLocaleString("en-US");
const rate = (items: number, seconds: number) => `${count(Math.round(items / seconds))}/s`;

function intakeRows({ idle, read, intake }: Measured): BenchRow[] {
  if (!intake) return [];
  const { skipped } = intake.intake;
  const contaminated = skipped.contaminated ?? 0;
  const otherSkips = Object.entries(skipped).filter(([reason]) => reason !== "contaminated");
  const decided = intake.intake.train + intake.intake.heldOut + contaminated;
  const floor = read ? `${rate(read.taken, read.seconds)} (${fixed(read.seconds)} s)` : "n/a";
  const share = read ? `; intake at ${percent(read.seconds / intake.seconds)} of it` : "";
  return [
    {
      measure: `Intake + classify, ${count(PROMPTS)} streamed prompts: prompts/s`,
      result: `${rate(PROMPTS, intake.seconds)} (${fixed(intake.seconds)} s: intake ${fixed(intake.intakeSeconds)} s, classify ${fixed(intake.classifySeconds)} s); backlog after ${intake.backlogAfter}`,
      target: `printed; all ${count(PROMPTS)} taken, backlog 0`,
      baseline: `read + ack only ${floor}${share}`,
      met: intake.intake.read === PROMPTS && intake.backlogAfter === 0,
    },
    {
      measure: "Intake + classify: peak RSS of the process (maxRSS)",
      result: `${mebibytes(intake.maxRss)} (heap after GC ${mebibytes(intake.heapAfterGc ?? Number.NaN)})`,
      target: `< 300 MB (${mebibytes(RSS_LIMIT_BYTES)})`,
      baseline: `modules only ${idle ? mebibytes(idle.maxRss) : "n/a"}; read + ack ${read ? mebibytes(read.maxRss) : "n/a"}`,
      met: intake.maxRss < RSS_LIMIT_BYTES,
    },
    {
      measure: "Intake decisions",
      result: `train ${count(intake.intake.train)}, held out ${count(intake.intake.heldOut)}, contaminated ${count(contaminated)}${otherSkips.map(([reason, n]) => `, ${reason} ${count(n)}`).join("")}`,
      target: `contaminated = ${count(intake.expectedDrops)} planted, no other skips, all ${count(PROMPTS)} decided`,
      baseline: `${count(intake.benchmarkItems)} benchmark items; held-out fraction ${percent(HOLDOUT_FRACTION)} (got ${percent(intake.intake.heldOut / Math.max(1, decided - contaminated))})`,
      met: contaminated === intake.expectedDrops && otherSkips.length === 0 && decided === PROMPTS,
    },
    {
      measure: "Classify",
      result: `closed ${count(intake.classify.closed)}, open ${count(intake.classify.open)}`,
      target: `closed + open = train (${count(intake.intake.train)})`,
      baseline: "question forms in rotation: 3 of 5 closed (60%)",
      met: intake.classify.closed + intake.classify.open === intake.intake.train,
    },
  ];
}

function outcomes(run: SynthesisRun): string {
  return Object.entries(run.outcomes)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(", ");
}

function synthesisRows({ synthesis }: Measured): BenchRow[] {
  if (!synthesis) return [];
  const { measured: m, baseline: b } = synthesis;
  const setting = `${synthesis.replicas} replicas at ${synthesis.latencyMs} ms, concurrency ${m.concurrency}`;
  return [
    {
      measure: `Synthesis utilisation (${setting}): mean calls in flight ÷ concurrency`,
      result: `${percent(m.utilisation)} (mean ${fixed(m.meanInFlight, 2)} of ${m.concurrency}, peak ${m.peakInFlight}; first call after ${fixed(m.setupMs)} ms, last ended ${fixed(m.tailMs)} ms before return)`,
      target: `≥ ${percent(UTILISATION_TARGET)}, peak ≤ ${m.concurrency}`,
      baseline: `concurrency 1: ${percent(b.utilisation)} (mean ${fixed(b.meanInFlight, 2)} of 1); ceiling 100%`,
      met: m.utilisation >= UTILISATION_TARGET && m.peakInFlight <= m.concurrency,
    },
    {
      measure: `Synthesis throughput (${setting})`,
      result: `${rate(m.calls, m.seconds)} calls, ${rate(m.prompts, m.seconds)} prompts (${m.prompts} prompts in ${fixed(m.seconds)} s: ${outcomes(m)}; event loop busy ${percent(m.eventLoopUtilisation)})`,
      target: "printed; no engine_error",
      baseline: `concurrency 1: ${rate(b.calls, b.seconds)} calls, ${rate(b.prompts, b.seconds)} prompts (${b.prompts} prompts in ${fixed(b.seconds)} s); ${fixed(m.calls / m.seconds / (b.calls / b.seconds))}× at ${m.concurrency}`,
      met: !m.outcomes.engine_error,
    },
  ];
}

const limit = setTimeout(() => {
  progress(`benchmark exceeded ${RUN_LIMIT_MS / 1000} s; aborting`);
  process.exit(2);
}, RUN_LIMIT_MS);
limit.unref();

const loadAtStart = loadavg()[0]!;
const measured: Measured = {};
let broken: unknown = null;
const scope = createBenchScope();
try {
  await measure(scope, measured);
} catch (error) {
  broken = error;
  progress(`benchmark broke: ${(error as Error).stack ?? error}`);
} finally {
  await scope.close();
}
const loadAtEnd = loadavg()[0]!;

const rows = [...intakeRows(measured), ...synthesisRows(measured)];
const missed = rows.filter((row) => !row.met).length;
const report = [
  `## Trainer intake (${count(PROMPTS)} collected prompts in a Redis stream, ${availableParallelism()} CPUs, ` +
    `load average ${fixed(loadAtStart)} → ${fixed(loadAtEnd)}, node ${process.version})`,
  "",
  renderTable(rows),
  "",
  broken
    ? "BROKEN: the benchmark stopped early (see stderr); the rows above are all it measured."
    : missed === 0
      ? "All targets met."
      : `MISSED: ${missed} of ${rows.length} targets.`,
  "",
  `Command: \`${COMMAND}\` (node --expose-gc --import=tsx loadtest/trainer-intake.ts --prompts ${PROMPTS} --synthesis-prompts ${SYNTHESIS_PROMPTS} --concurrency ${CONCURRENCY})`,
].join("\n");
process.stdout.write(`${report}\n`);

mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}trainer-intake.json`;
const settings = {
  prompts: PROMPTS,
  synthesisPrompts: SYNTHESIS_PROMPTS,
  concurrency: CONCURRENCY,
};
const load = { start: loadAtStart, end: loadAtEnd };
const json = {
  at: new Date().toISOString(),
  node: process.version,
  load,
  settings,
  rows,
  measured,
};
writeFileSync(file, `${JSON.stringify({ ...json, broken: !!broken }, null, 2)}\n`);
progress(`wrote ${file}`);
clearTimeout(limit);
process.exitCode = broken ? 1 : 0;
