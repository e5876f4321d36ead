import { setMaxListeners } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Logger, pino } from "pino";
import type { SimulatedWorld, Simulation } from "../../src/runtime/embedded-parts.ts";
import {
  type ArmName,
  EXPERIMENT_USAGE,
  type ExperimentOptions,
  parseExperimentArgs,
} from "./experiment-args.ts";
import { renderExperimentMarkdown } from "./experiment-markdown.ts";
import {
  type ArmResult,
  type Arms,
  checkOutcomes,
  type ExperimentResult,
  type ExperimentRun,
  type JsonValue,
} from "./experiment-result.ts";
import { renderExperimentSvg } from "./experiment-svg.ts";
import { runArm } from "./run-arm.ts";

/** Rows of each simulated benchmark file: enough for category intervals a few points wide. */
const BENCH_ROWS = { quick: 160, full: 400 } as const;

const CLI_ENTRY = fileURLToPath(new URL("../../bin/jurist.js", import.meta.url));

/** The simulated fine-tune, starting iteration 1 from the world's base judge. */
function simulatedFineTune(baseProfile: string): string {
  return `${process.execPath} ${CLI_ENTRY} sim fine-tune --dataset {dataset} --output {output} --init {init} --base-model {base_model} --base-profile ${baseProfile}`;
}

/** One generator noise level (or the real replicas): every arm, each in its own data dir. */
async function runLevel(
  options: ExperimentOptions,
  level: string,
  parts: { world?: SimulatedWorld; benchmarks: string; logger: Logger; signal: AbortSignal },
): Promise<ExperimentRun> {
  const root = join(options.out, "runs", level);
  const { world } = parts;
  const promptsFile = world
    ? await world.writePrompts(
        join(root, "prompts"),
        options.prompts * options.iterations,
        `${options.seed}`,
      )
    : options.seedPrompts;
  const baseProfile = world
    ? await world.writeBaseProfile(join(root, "base-judge.json"))
    : undefined;
  // In the simulated world arms are independent (own data dir, own replicas): they run side
  // by side, so one arm's fine-tune process uses the second core while another judges. On
  // real replicas they share the GPUs and their adapters, so they run one after another.
  const runOne = async (arm: ArmName) => {
    process.stderr.write(`[experiment] ${level}: arm ${arm} (${options.iterations} iterations)\n`);
    const replicas = world
      ? await world.startReplicas({ replicas: 1, seed: options.seed, noise: level })
      : undefined;
    try {
      return await runArm({
        arm,
        dataDir: join(root, arm),
        backends: replicas?.urls ?? options.backends ?? [],
        benchmarks: parts.benchmarks,
        fineTuneCommand: world
          ? simulatedFineTune(baseProfile!)
          : (options.fineTuneCommand ?? process.env.JURIST_FINE_TUNE_COMMAND ?? ""),
        promptsFile: promptsFile ?? "",
        promptsPerIteration: options.prompts,
        iterations: options.iterations,
        seed: options.seed,
        world,
        logger: parts.logger,
        signal: parts.signal,
        onIteration: (n) =>
          process.stderr.write(`[experiment] ${level}: arm ${arm} iteration ${n} evaluated\n`),
      });
    } finally {
      await replicas?.close();
    }
  };
  const results: ArmResult[] = [];
  if (world) results.push(...(await Promise.all(options.arms.map(runOne))));
  else for (const arm of options.arms) results.push(await runOne(arm));
  const arms: Arms = Object.fromEntries(options.arms.map((arm, i) => [arm, results[i]!]));
  return { generator_noise: level, arms, outcomes: checkOutcomes({ arms }) };
}

/** Runs the experiment and writes experiment.json, .md and .svg into `options.out`. */
export async function runExperiment(
  options: ExperimentOptions,
  simulation: Simulation | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<ExperimentResult> {
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const world = options.backends ? undefined : await simulation?.world();
  if (!options.backends && !world)
    throw new Error("no simulated world: pass --backends to run on real replicas");
  if (options.backends && !process.env.JURIST_BENCHMARKS) {
    throw new Error("with --backends, set JURIST_BENCHMARKS to the real benchmark files");
  }
  let benchmarks = process.env.JURIST_BENCHMARKS ?? "";
  if (world && simulation) {
    const files = await simulation.writeBenchmarks(join(out, "bench"), {
      n: options.quick ? BENCH_ROWS.quick : BENCH_ROWS.full,
      seed: options.seed,
    });
    benchmarks = `vlrb=vlrb:${files.vlrb},mmrb=mmrb:${files.mmrb},heldout=jurist:${files.heldout}`;
  }
  const levels = world ? options.generatorNoise : ["real"];
  const runs: ExperimentRun[] = [];
  for (const level of levels) {
    runs.push(await runLevel({ ...options, out }, level, { world, benchmarks, logger, signal }));
  }
  const result: ExperimentResult = {
    simulated:
      world !== undefined ||
      runs.some((run) => Object.values(run.arms).some((arm) => arm?.simulated)),
    seed: options.seed,
    world: (world
      ? Object.fromEntries(levels.map((l) => [l, world.parameters(l)]))
      : { backends: options.backends ?? [] }) as Record<string, JsonValue>,
    arms: runs[0]!.arms,
    outcomes: runs[0]!.outcomes,
    noise_levels: levels,
    runs,
    iterations: options.iterations,
    prompts: options.prompts,
    generated_at: new Date().toISOString(),
  };
  await writeFile(join(out, "experiment.json"), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(out, "experiment.md"), renderExperimentMarkdown(result));
  await writeFile(join(out, "experiment.svg"), renderExperimentSvg(result));
  return result;
}

/** `jurist experiment`: the paper's protocol and its ablations, in the simulated world. */
export async function runExperimentCommand(argv: string[], simulation?: Simulation): Promise<void> {
  const parsed = parseExperimentArgs(argv);
  if (parsed === "help") {
    process.stdout.write(`${EXPERIMENT_USAGE}\n`);
    return;
  }
  if ("problem" in parsed) {
    process.stderr.write(`${parsed.problem}\n${EXPERIMENT_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = pino(
    { level: process.env.JURIST_LOG_LEVEL ?? "warn", name: "jurist-experiment" },
    pino.destination(2),
  );
  const stop = new AbortController();
  // Every engine call of every arm listens on this one signal.
  setMaxListeners(0, stop.signal);
  process.once("SIGINT", () => stop.abort(new Error("SIGINT")));
  process.once("SIGTERM", () => stop.abort(new Error("SIGTERM")));
  const started = performance.now();
  try {
    const result = await runExperiment(parsed, simulation, logger, stop.signal);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    for (const outcome of result.outcomes ?? []) {
      const mark = outcome.holds === null ? "–" : outcome.holds ? "✓" : "✗";
      process.stdout.write(`${mark} ${outcome.claim}: ${outcome.detail}\n`);
    }
    process.stdout.write(`experiment written to ${resolve(parsed.out)} in ${seconds} s\n`);
  } catch (error) {
    logger.error({ err: error }, "experiment failed");
    process.exitCode = 1;
  }
}
