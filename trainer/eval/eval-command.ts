import { setMaxListeners } from "node:events";
import { basename, extname } from "node:path";
import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type Config, loadConfig } from "../../src/config/config.ts";
import type { JudgeEngine } from "../../src/core/types.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { serveCheckpoint } from "../../src/registry/serve-checkpoint.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import { createFleet } from "../../src/runtime/fleet-runtime.ts";
import { processPeerId } from "../../src/runtime/gateway-peer-count.ts";
import { shareOwnFleetWithPeers } from "../../src/runtime/gateway-peers-runtime.ts";
import { createStores, type Stores } from "../../src/store/create-stores.ts";
import {
  DEFAULT_MALFORMED_LIMIT,
  evaluationProblems,
  type MalformedLimit,
  parseMalformedLimit,
} from "./eval-exit-status.ts";
import { type EvaluationRun, evaluateCheckpoint } from "./evaluate.ts";
import type { UnparseablePolicy } from "./item-score.ts";
import { BENCHMARK_FORMATS, type BenchmarkFormat, loadBenchmark } from "./load-benchmark.ts";
import { officialSummaryLine } from "./official-markdown.ts";
import {
  hasOfficialScorer,
  SCORINGS,
  type ScoringName,
  scoreOfficially,
} from "./official-scoring.ts";
import { percentText } from "./percent-text.ts";
import { type EvaluationFiles, writeEvaluation } from "./write-evaluation.ts";

export const EVAL_USAGE = `usage: jurist eval --bench FILE --format vlrb|mmrb|rewardbench|jurist --out DIR
                  [--checkpoint C] [--unparseable wrong|exclude|random] [--seed S] [--concurrency N]
                  [--scoring jurist|official] [--max-malformed N|F|P%]
  judges every item of a benchmark file in both orders with checkpoint C (default: the
  champion) and writes items.jsonl, report.json and report.md into DIR; with JURIST_BACKENDS
  unset it runs on in-process SIMULATED replicas (which load a registered candidate C's
  adapter on demand), and the report says so; --scoring official (vlrb, mmrb, rewardbench)
  also reports the benchmark's official figures (one order per item, its unparseable rule and
  aggregation) beside Jurist's own. Exits 1, saying why on stderr, when nothing was judged,
  an item failed, or more rows were malformed than --max-malformed allows (a count of rows N,
  a percentage P% or a fraction F below 1 such as 0.05, never 1.0; default 1%)`;

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
  /** `official`: the official figures beside Jurist's. Default `jurist`. */
  scoring?: ScoringName;
  /** Undefined: `DEFAULT_MALFORMED_LIMIT`. */
  maxMalformed?: MalformedLimit;
}

const integerIn = (text: string | undefined, min: number, max: number) => {
  const value = Number(text);
  return text?.trim() && Number.isInteger(value) && value >= min && value <= max
    ? value
    : undefined;
};

const FLAGS = [
  "bench",
  "format",
  "out",
  "checkpoint",
  "unparseable",
  "seed",
  "concurrency",
  "scoring",
  "max-malformed",
];

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
  const scoring = (values.scoring ?? "jurist") as ScoringName;
  if (!SCORINGS.includes(scoring)) return { problem: "--scoring must be jurist or official" };
  if (scoring === "official" && !hasOfficialScorer(format as BenchmarkFormat)) {
    return { problem: "--scoring official needs --format vlrb, mmrb or rewardbench" };
  }
  const maxMalformedText = values["max-malformed"];
  const maxMalformed =
    maxMalformedText === undefined ? undefined : parseMalformedLimit(maxMalformedText);
  if (maxMalformed && "problem" in maxMalformed) return maxMalformed;
  return {
    bench,
    format: format as BenchmarkFormat,
    out,
    unparseable,
    seed,
    ...(scoring === "official" ? { scoring } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(maxMalformed ? { maxMalformed } : {}),
  };
}

export interface EvaluationHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Simulated replicas when no backend is configured (the CLI lends them). */
  simulation?: Simulation;
}

/** One benchmark file evaluated with one checkpoint on an open fleet, and where to write it. */
export interface BenchmarkFileEvaluation {
  engine: JudgeEngine;
  checkpoint: string;
  bench: string;
  format: BenchmarkFormat;
  out: string;
  /** The report's benchmark name; default the file's base name. */
  name?: string;
  unparseable: UnparseablePolicy;
  seed: number;
  concurrency: number;
  /** The replicas, or the benchmark file, are simulated: the report says so. */
  simulated: boolean;
  /** The file already loaded (`loadBenchmark`); else it is loaded here. */
  loaded?: Awaited<ReturnType<typeof loadBenchmark>>;
  /** `official`: the official figures beside Jurist's (a format with an official scorer). */
  scoring?: ScoringName;
}

/**
 * What `jurist eval` does once its fleet is open, shared with `jurist train`'s evaluation of
 * each iteration's candidate: loads the benchmark, judges every item in both orders with the
 * checkpoint, and writes `items.jsonl`, `report.json` and `report.md` into `out`.
 */
export async function evaluateBenchmarkFile(
  config: Config,
  input: BenchmarkFileEvaluation,
  hooks: Omit<EvaluationHooks, "simulation"> = {},
): Promise<EvaluationFiles & { run: EvaluationRun }> {
  const loaded = input.loaded ?? (await loadBenchmark(input.bench, input.format));
  const run = await evaluateCheckpoint({
    engine: input.engine,
    checkpoint: input.checkpoint,
    items: loaded.items,
    concurrency: input.concurrency,
    settings: config.judge,
    // The serving budget itself (its four bounds are fields of the images settings).
    imageBudget: config.images,
    unparseable: input.unparseable,
    seed: input.seed,
    bootstrap: { resamples: config.gates.bootstrapResamples },
    ...hooks,
  });
  const official =
    input.scoring === "official" && hasOfficialScorer(input.format)
      ? scoreOfficially(input.format, loaded.items, run.items, input.seed)
      : undefined;
  const files = await writeEvaluation(input.out, run, {
    benchmark: input.name ?? basename(input.bench, extname(input.bench)),
    file: input.bench,
    format: input.format,
    simulated: input.simulated,
    rowsRead: loaded.rowsRead,
    malformed: loaded.malformed,
    ...(official ? { official } : {}),
  });
  return { ...files, run };
}

type OpenedFleet = Awaited<ReturnType<typeof createFleet>>;

/** The models healthy replicas serve under `checkpoint`. */
function servedAs(opened: OpenedFleet, checkpoint: string) {
  return opened.fleet
    .snapshots()
    .filter((replica) => replica.healthy)
    .flatMap((replica) => replica.models.filter((model) => model.id === checkpoint));
}

/**
 * The checkpoint to evaluate, served: the one asked for, else the registry's champion, else
 * the fleet's. On in-process simulated replicas a registered checkpoint none of them serves
 * (a candidate) is loaded onto them first, as the gates stage it; real replicas are never
 * changed by an evaluation, so there it must be served already.
 */
async function servedCheckpoint(
  config: Config,
  logger: Logger,
  opened: OpenedFleet,
  stores: Pick<Stores, "registry">,
  asked: string | undefined,
): Promise<string> {
  const checkpoint = asked ?? (await stores.registry.champion()) ?? opened.fleet.champion() ?? null;
  if (!checkpoint) {
    throw new Error("no champion: the registry is empty and no replica serves a base model");
  }
  if (servedAs(opened, checkpoint).length > 0 || !opened.simulated) return checkpoint;
  if (!(await stores.registry.get(checkpoint))) {
    throw new Error(`no healthy replica serves checkpoint ${checkpoint}, and it is not registered`);
  }
  const loadTimeoutMs = config.gates.loadTimeoutMs;
  await serveCheckpoint(
    {
      registry: stores.registry,
      fleet: opened.fleet,
      logger,
      loadTimeoutMs,
      quorum: config.gates.promotionQuorum,
    },
    checkpoint,
  );
  return checkpoint;
}

/**
 * Loads the benchmark, opens the fleet (in-process simulated replicas when no backend is
 * configured, like `serve`), evaluates the checkpoint and writes the files. Throws when the
 * file cannot be read, no healthy replica serves the checkpoint (and, on simulated replicas,
 * it is not registered so it cannot be loaded), or the run is aborted.
 */
export async function runEvaluation(
  config: Config,
  logger: Logger,
  options: EvalCommandOptions,
  hooks: EvaluationHooks = {},
): Promise<EvaluationFiles & { run: EvaluationRun }> {
  // Read first: a bad file fails before any replica starts.
  const loaded = await loadBenchmark(options.bench, options.format);
  const metrics = createMetrics();
  const opened = await createFleet(config, logger, metrics, { simulation: hooks.simulation });
  const stores = await createStores(config, logger).catch(async (error: unknown) => {
    await opened.close();
    throw error;
  });
  // Its calls reach the replicas the gateways share (unless they are its own in-process
  // simulations), so while it runs it counts among their peers like a trainer does.
  const peers = await shareOwnFleetWithPeers(config, logger, {
    opened,
    stores,
    metrics,
    id: `eval:${processPeerId()}`,
  });
  try {
    const checkpoint = await servedCheckpoint(config, logger, opened, stores, options.checkpoint);
    const served = servedAs(opened, checkpoint);
    if (served.length === 0) throw new Error(`no healthy replica serves checkpoint ${checkpoint}`);
    return await evaluateBenchmarkFile(
      config,
      {
        engine: opened.fleet,
        checkpoint,
        bench: options.bench,
        format: options.format,
        out: options.out,
        unparseable: options.unparseable,
        seed: options.seed,
        concurrency: options.concurrency ?? config.gates.concurrency,
        // A remote replica can be a simulation too: it marks its models simulated.
        simulated: opened.simulated || served.some((model) => model.simulated),
        loaded,
        ...(options.scoring ? { scoring: options.scoring } : {}),
      },
      { signal: hooks.signal, onProgress: hooks.onProgress },
    );
  } finally {
    await peers?.stop();
    await opened.close();
    await stores.close();
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

/**
 * `jurist eval`: exit 2 on bad arguments; 1 when the run fails, or when it ran but its numbers
 * cannot stand for the benchmark (see `evaluationProblems`): the files are written either way.
 */
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
        `jurist scoring (both orders): overall ${percentText(report.overall.accuracy, "n/a")}, macro ${percentText(report.macro.accuracy, "n/a")}, ` +
        `consistency ${percentText(report.consistency, "n/a")}, invalid rate ${percentText(report.invalid_rate, "n/a")} ` +
        `(${report.judged} judged, ${report.skipped} skipped, ${report.failed} failed, ` +
        `${report.malformed} malformed of ${report.items} rows)\n` +
        officialSummaryLine(report.scoring),
    );
    const problems = evaluationProblems(report, options.maxMalformed ?? DEFAULT_MALFORMED_LIMIT);
    for (const problem of problems) process.stderr.write(`jurist eval: ${problem}\n`);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    process.stderr.write(`jurist eval failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
