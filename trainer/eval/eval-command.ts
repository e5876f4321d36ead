import { setMaxListeners } from "node:events";
import { basename, extname } from "node:path";
import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type Config, loadConfig } from "../../src/config/config.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import { createFleet } from "../../src/runtime/fleet-runtime.ts";
import { createStores } from "../../src/store/create-stores.ts";
import { type EvaluationRun, evaluateCheckpoint } from "./evaluate.ts";
import type { UnparseablePolicy } from "./item-score.ts";
import { BENCHMARK_FORMATS, type BenchmarkFormat, loadBenchmark } from "./load-benchmark.ts";
import { type EvaluationFiles, writeEvaluation } from "./write-evaluation.ts";

export const EVAL_USAGE = `usage: jurist eval --bench FILE --format vlrb|mmrb|rewardbench|jurist --out DIR
                  [--checkpoint C] [--unparseable wrong|exclude|random] [--seed S] [--concurrency N]
  judges every item of a benchmark file in both orders with checkpoint C (default: the
  champion) and writes items.jsonl, report.json and report.md into DIR; with JURIST_BACKENDS
  unset it runs on in-process SIMULATED replicas, and the report says so`;

const POLICIES: readonly UnparseablePolicy[] = ["wrong", "exclude", "random"];

/** What `jurist eval` was asked to do. */
export interface EvalCommandOptions {
  bench: string;
  format: BenchmarkFormat;
  out: string;
  /** Undefined: the registry's champion, else the fleet's. */
  checkpoint?: string;
  unparseable: UnparseablePolicy;
  seed: number;
  /** Undefined: JURIST_GATE_CONCURRENCY. */
  concurrency?: number;
}

const integerIn = (text: string | undefined, min: number, max: number) => {
  const value = Number(text);
  return text?.trim() && Number.isInteger(value) && value >= min && value <= max
    ? value
    : undefined;
};

const FLAGS = ["bench", "format", "out", "checkpoint", "unparseable", "seed", "concurrency"];

/** The options, `help`, or what is wrong with the arguments. */
export function parseEvalArgs(argv: string[]): EvalCommandOptions | "help" | { problem: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(FLAGS.map((name) => [name, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (values.help) return "help";
  return validate(values as Record<string, string | undefined>);
}

function validate(
  values: Record<string, string | undefined>,
): EvalCommandOptions | { problem: string } {
  const { bench, format, out, checkpoint } = values;
  if (!bench || !out) return { problem: "--bench and --out are required" };
  if (!BENCHMARK_FORMATS.includes(format as BenchmarkFormat)) {
    return { problem: `--format must be one of ${BENCHMARK_FORMATS.join(", ")}` };
  }
  const unparseable = (values.unparseable ?? "wrong") as UnparseablePolicy;
  if (!POLICIES.includes(unparseable)) {
    return { problem: "--unparseable must be wrong, exclude or random" };
  }
  const seed = integerIn(values.seed ?? "0", 0, 2 ** 31 - 1);
  if (seed === undefined) return { problem: "--seed must be an integer in [0, 2^31)" };
  const concurrency = integerIn(values.concurrency, 1, 256);
  if (values.concurrency !== undefined && concurrency === undefined) {
    return { problem: "--concurrency must be an integer in [1, 256]" };
  }
  return {
    bench,
    format: format as BenchmarkFormat,
    out,
    unparseable,
    seed,
    ...(checkpoint ? { checkpoint } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
}

/** The registry's champion, else the fleet's (the configured one or the base model served). */
async function championOf(config: Config, logger: Logger, fleetChampion: () => string | undefined) {
  const stores = await createStores(config, logger);
  try {
    const champion = (await stores.registry.champion()) ?? fleetChampion();
    if (!champion) {
      throw new Error("no champion: the registry is empty and no replica serves a base model");
    }
    return champion;
  } finally {
    await stores.close();
  }
}

export interface EvaluationHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Simulated replicas when no backend is configured (the CLI lends them). */
  simulation?: Simulation;
}

/**
 * Loads the benchmark, opens the fleet (in-process simulated replicas when no backend is
 * configured, like `serve`), evaluates the checkpoint and writes the files. Throws when the
 * file cannot be read, no healthy replica serves the checkpoint, or the run is aborted.
 */
export async function runEvaluation(
  config: Config,
  logger: Logger,
  options: EvalCommandOptions,
  hooks: EvaluationHooks = {},
): Promise<EvaluationFiles & { run: EvaluationRun }> {
  const loaded = await loadBenchmark(options.bench, options.format);
  const opened = await createFleet(config, logger, createMetrics(), {
    simulation: hooks.simulation,
  });
  try {
    const checkpoint =
      options.checkpoint ?? (await championOf(config, logger, opened.fleet.champion));
    const served = opened.fleet
      .snapshots()
      .filter((replica) => replica.healthy)
      .flatMap((replica) => replica.models.filter((model) => model.id === checkpoint));
    if (served.length === 0) throw new Error(`no healthy replica serves checkpoint ${checkpoint}`);
    const run = await evaluateCheckpoint({
      engine: opened.fleet,
      checkpoint,
      items: loaded.items,
      concurrency: options.concurrency ?? config.gates.concurrency,
      settings: config.judge,
      unparseable: options.unparseable,
      seed: options.seed,
      bootstrap: { resamples: config.gates.bootstrapResamples },
      ...hooks,
    });
    const files = await writeEvaluation(options.out, run, {
      benchmark: basename(options.bench, extname(options.bench)),
      file: options.bench,
      format: options.format,
      // A remote replica can be a simulation too: it marks its models simulated.
      simulated: opened.simulated || served.some((model) => model.simulated),
      rowsRead: loaded.rowsRead,
      malformed: loaded.malformed,
    });
    return { ...files, run };
  } finally {
    opened.discovery.stop();
    await opened.fleet.close();
    await opened.closeSims();
  }
}

/** Progress on stderr: one rewritten line on a terminal, a line per tenth otherwise. */
function progressLine(stream: NodeJS.WriteStream) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    if (stream.isTTY) {
      stream.write(`\revaluated ${done}/${total}${done === total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor((10 * done) / total);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    stream.write(`evaluated ${done}/${total}\n`);
  };
}

const percent = (value: number | null) => (value === null ? "n/a" : `${(100 * value).toFixed(1)}%`);

/** `jurist eval`: exit 2 on bad arguments, 1 when the run fails or an item could not be judged. */
export async function runEvalCommand(argv: string[], simulation?: Simulation): Promise<void> {
  const options = parseEvalArgs(argv);
  if (options === "help") {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return;
  }
  if ("problem" in options) {
    process.stderr.write(`${options.problem}\n${EVAL_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  // Logs go to stderr: stdout carries only the result.
  const logger = pino({ level: config.logLevel, name: "jurist-eval" }, pino.destination(2));
  const stop = new AbortController();
  // Every engine call in flight listens on it (and lets go when it ends).
  setMaxListeners(0, stop.signal);
  process.once("SIGINT", () => stop.abort(new Error("SIGINT: evaluation stopped")));
  try {
    const { report, reportMarkdownPath } = await runEvaluation(config, logger, options, {
      signal: stop.signal,
      onProgress: progressLine(process.stderr),
      simulation,
    });
    if (report.meta.simulated) process.stdout.write("SIMULATED verdicts (no real judge model)\n");
    process.stdout.write(
      `${reportMarkdownPath}\n` +
        `overall ${percent(report.overall.accuracy)}, macro ${percent(report.macro.accuracy)}, ` +
        `consistency ${percent(report.consistency)}, invalid rate ${percent(report.invalid_rate)} ` +
        `(${report.judged} judged, ${report.skipped} skipped, ${report.failed} failed, ` +
        `${report.malformed} malformed of ${report.items} rows)\n`,
    );
    if (report.failed > 0) process.exitCode = 1;
  } catch (error) {
    process.stderr.write(`jurist eval failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
