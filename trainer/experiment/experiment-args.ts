import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseBackendTarget } from "../../src/engine/backend-targets.ts";

/** The arms of the experiment, in the order reports list them, each with what it changes. */
export const ARMS = [
  {
    name: "paper",
    description: "the full pipeline: majority-vote labels, judge filter in both orders",
  },
  { name: "no-filter", description: "trains on every synthesized pair, no judge filter" },
  { name: "one-order", description: "keeps pairs the judge got right in the AB order only" },
  {
    name: "gold",
    description: "closed questions labelled by the world's gold answer, not majority vote",
  },
  {
    name: "flipped",
    description: "every training label reversed: a sanity arm that must get worse",
  },
] as const;

export type ArmName = (typeof ARMS)[number]["name"];

export const ARM_NAMES: readonly ArmName[] = ARMS.map((arm) => arm.name);

/** The arms that can run against real replicas (`--backends`): the others need the world's truth. */
export const REAL_REPLICA_ARMS: readonly ArmName[] = ["paper", "no-filter"];

export const DEFAULT_ITERATIONS = 4;
/** `--quick`: enough iterations to see a trend, in a few minutes. */
export const QUICK_ITERATIONS = 2;
/** Prompts per iteration by default: the paired intervals of a 3-point gain exclude 0 at this size. */
export const DEFAULT_PROMPTS = 400;
export const QUICK_PROMPTS = 160;
/** Generator noise levels by default; the runner maps each name to the simulated world's settings. */
export const DEFAULT_GENERATOR_NOISE: readonly string[] = ["low", "high"];
/** `--quick` runs one noise level, so all five arms fit in about two minutes on two cores. */
export const QUICK_GENERATOR_NOISE: readonly string[] = ["low"];

export const EXPERIMENT_USAGE = `usage: jurist experiment --out DIR [--iterations ${DEFAULT_ITERATIONS}] [--arms ${ARM_NAMES.join(",")}]
                        [--prompts N] [--seed S] [--quick] [--generator-noise ${DEFAULT_GENERATOR_NOISE.join(",")}]
                        [--backends URLS --seed-prompts FILE --fine-tune-command TEMPLATE]
  runs the self-improvement loop and its ablations (arms) in a SIMULATED world and writes
  DIR/experiment.json, DIR/experiment.md and DIR/experiment.svg
  --iterations N        iterations per arm (default ${DEFAULT_ITERATIONS}; --quick: ${QUICK_ITERATIONS})
  --prompts N           prompts per iteration (default ${DEFAULT_PROMPTS}; --quick: ${QUICK_PROMPTS})
  --quick               a short run: ${QUICK_ITERATIONS} iterations of ${QUICK_PROMPTS} prompts unless given
  --generator-noise L   comma list of the world's generator noise levels; one run per level
  --backends URLS       comma list of real vLLM replicas (as JURIST_BACKENDS): only the
                        paper and no-filter arms, which the default arms then are
  --seed-prompts FILE   with --backends: the prompts (JSONL { id?, question, images }) each
                        iteration draws a fresh slice of; JURIST_BENCHMARKS names the benchmarks
  --fine-tune-command T the fine-tune template for --backends (as JURIST_FINE_TUNE_COMMAND)
arms:
${ARMS.map((arm) => `  ${arm.name.padEnd(10)} ${arm.description}`).join("\n")}`;

/** What `jurist experiment` was asked to do, every default filled in. */
export interface ExperimentOptions {
  out: string;
  iterations: number;
  /** In `ARMS` order, each once. */
  arms: ArmName[];
  /** Prompts per iteration. */
  prompts: number;
  seed: number;
  quick: boolean;
  /** Noise level names, in the order given; empty with `backends` (the replicas generate). */
  generatorNoise: string[];
  /** `--backends`, each entry checked like JURIST_BACKENDS; absent: the simulated world. */
  backends?: string[];
  /** Only with `backends`; absent: the runner's configured fine-tune command. */
  fineTuneCommand?: string;
  /** Only with `backends` (required there): the seed prompt file iterations draw from. */
  seedPrompts?: string;
}

type Problem = { problem: string };

const STRING_FLAGS = [
  "out",
  "iterations",
  "arms",
  "prompts",
  "seed",
  "generator-noise",
  "backends",
  "fine-tune-command",
  "seed-prompts",
] as const;

type Values = Partial<Record<(typeof STRING_FLAGS)[number], string>> & {
  quick?: boolean;
  help?: boolean;
};

/** The options, `help`, or what is wrong with the arguments (a usage error: exit 2). */
export function parseExperimentArgs(argv: string[]): ExperimentOptions | "help" | Problem {
  let values: Values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: "string" as const }])),
        quick: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (values.help) return "help";
  return validate(values);
}

const list = (text: string) => text.split(",").map((entry) => entry.trim());

function positive(name: string, text: string | undefined, fallback: number, max: number) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() && Number.isInteger(value) && value >= 1 && value <= max) return value;
  return { problem: `--${name} must be a positive integer, at most ${max}: got '${text}'` };
}

function seedOf(text: string | undefined): number | Problem {
  const value = Number(text ?? "0");
  if ((text ?? "0").trim() && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
    return value;
  }
  return { problem: `--seed must be an integer in [0, 2^31): got '${text}'` };
}

/** Names checked against `ARMS`, each once, returned in `ARMS` order. */
function armsOf(text: string | undefined, backends: boolean): ArmName[] | Problem {
  if (text === undefined) return [...(backends ? REAL_REPLICA_ARMS : ARM_NAMES)];
  const names = list(text);
  const unknown = names.filter((name) => !ARM_NAMES.includes(name as ArmName));
  if (unknown.length > 0) {
    return {
      problem: `--arms: unknown arm ${unknown.map((n) => `'${n}'`).join(", ")} (arms: ${ARM_NAMES.join(", ")})`,
    };
  }
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) return { problem: `--arms names ${twice} twice` };
  const unreal = names.filter((name) => !REAL_REPLICA_ARMS.includes(name as ArmName));
  if (backends && unreal.length > 0) {
    return {
      problem: `--backends runs only the ${REAL_REPLICA_ARMS.join(" and ")} arms, not ${unreal.join(", ")}: the others need the simulated world's truth`,
    };
  }
  return ARM_NAMES.filter((name) => names.includes(name));
}

function noiseOf(text: string | undefined, backends: boolean, quick: boolean): string[] | Problem {
  if (backends) {
    return text === undefined
      ? []
      : {
          problem:
            "--generator-noise sets the simulated world's generator: with --backends the replicas generate",
        };
  }
  if (text === undefined) return quick ? [...QUICK_GENERATOR_NOISE] : [...DEFAULT_GENERATOR_NOISE];
  const levels = list(text);
  if (levels.some((level) => level === ""))
    return { problem: "--generator-noise has an empty level" };
  const twice = levels.find((level, i) => levels.indexOf(level) !== i);
  if (twice) return { problem: `--generator-noise names ${twice} twice` };
  return levels;
}

function backendsOf(text: string | undefined): string[] | undefined | Problem {
  if (text === undefined) return undefined;
  const entries = list(text).filter((entry) => entry !== "");
  if (entries.length === 0) return { problem: "--backends names no replica" };
  for (const entry of entries) {
    const target = parseBackendTarget(entry);
    if (typeof target === "string") return { problem: `--backends: ${target}` };
  }
  return entries;
}

function fineTuneOf(text: string | undefined, backends: boolean): string | undefined | Problem {
  if (text === undefined) return undefined;
  if (!backends) {
    return {
      problem: "--fine-tune-command needs --backends: the simulated world fine-tunes by itself",
    };
  }
  const missing = ["{dataset}", "{output}"].filter((placeholder) => !text.includes(placeholder));
  if (missing.length > 0) {
    return {
      problem: `--fine-tune-command lacks ${missing.join(" and ")}: it would not know what to train on or where to write`,
    };
  }
  return text;
}

function seedPromptsOf(file: string | undefined, backends: boolean): string | undefined | Problem {
  if (backends && file === undefined) {
    return { problem: "--backends needs --seed-prompts: real replicas have no simulated prompts" };
  }
  if (!backends && file !== undefined) {
    return {
      problem: "--seed-prompts needs --backends: the simulated world writes its own prompts",
    };
  }
  return file;
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" && value !== null && "problem" in value;

function validate(values: Values): ExperimentOptions | Problem {
  if (!values.out) return { problem: "--out DIR is required" };
  const quick = values.quick === true;
  const backends = backendsOf(values.backends);
  if (isProblem(backends)) return backends;
  const real = backends !== undefined;
  const parts = {
    iterations: positive(
      "iterations",
      values.iterations,
      quick ? QUICK_ITERATIONS : DEFAULT_ITERATIONS,
      100,
    ),
    prompts: positive(
      "prompts",
      values.prompts,
      quick ? QUICK_PROMPTS : DEFAULT_PROMPTS,
      1_000_000,
    ),
    seed: seedOf(values.seed),
    arms: armsOf(values.arms, real),
    generatorNoise: noiseOf(values["generator-noise"], real, quick),
    fineTuneCommand: fineTuneOf(values["fine-tune-command"], real),
    seedPrompts: seedPromptsOf(values["seed-prompts"], real),
  };
  const problem = Object.values(parts).find(isProblem);
  if (problem) return problem;
  const { iterations, prompts, seed, arms, generatorNoise, fineTuneCommand, seedPrompts } =
    parts as {
      [K in keyof typeof parts]: Exclude<(typeof parts)[K], Problem>;
    };
  return {
    out: values.out,
    iterations,
    arms,
    prompts,
    seed,
    quick,
    generatorNoise,
    ...(backends ? { backends } : {}),
    ...(fineTuneCommand ? { fineTuneCommand } : {}),
    ...(seedPrompts ? { seedPrompts: resolve(seedPrompts) } : {}),
  };
}
