import { resolve } from "node:path";
import t from "tap";
import {
  ARM_NAMES,
  ARMS,
  DEFAULT_GENERATOR_NOISE,
  DEFAULT_ITERATIONS,
  DEFAULT_PROMPTS,
  EXPERIMENT_USAGE,
  type ExperimentOptions,
  parseExperimentArgs,
  QUICK_ITERATIONS,
  QUICK_PROMPTS,
} from "../../../trainer/experiment/experiment-args.ts";

const parsed = (...argv: string[]): ExperimentOptions => {
  const result = parseExperimentArgs(argv);
  if (result === "help" || "problem" in result)
    throw new Error(`not options: ${JSON.stringify(result)}`);
  return result;
};
const problem = (...argv: string[]): string => {
  const result = parseExperimentArgs(argv);
  if (result === "help" || !("problem" in result))
    throw new Error(`no problem: ${JSON.stringify(result)}`);
  return result.problem;
};

t.test("the defaults", async (t) => {
  t.strictSame(parsed("--out", "runs/x"), {
    out: "runs/x",
    iterations: DEFAULT_ITERATIONS,
    arms: ["paper", "no-filter", "one-order", "gold", "flipped"],
    prompts: DEFAULT_PROMPTS,
    seed: 0,
    quick: false,
    generatorNoise: ["low", "high"],
  });
  t.equal(DEFAULT_ITERATIONS, 4);
  t.strictSame(DEFAULT_GENERATOR_NOISE, ["low", "high"]);
  t.equal(parseExperimentArgs(["--help"]), "help");
  t.equal(parseExperimentArgs(["-h"]), "help");
});

t.test("--quick shortens the run; explicit flags still win", async (t) => {
  t.match(parsed("--out", "d", "--quick"), {
    quick: true,
    iterations: QUICK_ITERATIONS,
    prompts: QUICK_PROMPTS,
  });
  t.equal(QUICK_ITERATIONS, 2);
  t.ok(QUICK_PROMPTS < DEFAULT_PROMPTS);
  t.match(parsed("--out", "d", "--quick", "--iterations", "3", "--prompts", "100"), {
    iterations: 3,
    prompts: 100,
  });
});

t.test("arms, seed and noise levels as given", async (t) => {
  t.match(
    parsed(
      "--out",
      "d",
      "--arms",
      "flipped, paper",
      "--seed",
      "42",
      "--generator-noise",
      "none,mid,high",
    ),
    {
      arms: ["paper", "flipped"],
      seed: 42,
      generatorNoise: ["none", "mid", "high"],
    },
  );
});

t.test("usage errors", async (t) => {
  t.match(problem(), /--out DIR is required/);
  t.match(problem("--out", "d", "--arms", "paper,shuffled"), /unknown arm 'shuffled'/);
  t.match(problem("--out", "d", "--arms", "paper,paper"), /names paper twice/);
  t.match(problem("--out", "d", "--arms", ""), /unknown arm ''/);
  for (const bad of ["0", "-1", "1.5", "two", ""]) {
    t.match(
      problem("--out", "d", `--iterations=${bad}`),
      /--iterations must be a positive integer/,
      bad,
    );
    t.match(problem("--out", "d", `--prompts=${bad}`), /--prompts must be a positive integer/, bad);
  }
  t.match(problem("--out", "d", "--seed=-3"), /--seed must be an integer/);
  t.match(problem("--out", "d", "--generator-noise", "low,,high"), /empty level/);
  t.match(problem("--out", "d", "--generator-noise", "low,low"), /names low twice/);
  t.match(problem("--out", "d", "--bogus"), /Unknown option '--bogus'/);
  t.match(problem("--out", "d", "extra"), /Unexpected argument 'extra'/);
  t.match(
    problem("--out", "d", "--iterations", "-1"),
    /ambiguous/,
    "parseArgs: a dash is not a value",
  );
});

t.test("--backends: real replicas run the paper and no-filter arms only", async (t) => {
  const real = parsed(
    "--out",
    "d",
    "--backends",
    "http://gpu-1:8000, dns+http://vllm:8000",
    "--seed-prompts",
    "prompts.jsonl",
  );
  t.equal(real.seedPrompts, resolve("prompts.jsonl"), "seed prompts resolved");
  t.match(
    problem("--out", "d", "--backends", "http://gpu-1:8000"),
    /--backends needs --seed-prompts/,
  );
  t.match(problem("--out", "d", "--seed-prompts", "p.jsonl"), /--seed-prompts needs --backends/);
  t.strictSame(real.arms, ["paper", "no-filter"], "the default arms with real replicas");
  t.strictSame(real.backends, ["http://gpu-1:8000", "dns+http://vllm:8000"]);
  t.strictSame(real.generatorNoise, [], "the replicas generate: no simulated noise");
  t.match(
    parsed(
      "--out",
      "d",
      "--backends",
      "http://gpu-1:8000",
      "--arms",
      "paper",
      "--seed-prompts",
      "p.jsonl",
      "--fine-tune-command",
      "deploy/fine-tune/trl/fine-tune.sh --dataset {dataset} --output {output} --init {init} --base-model {base_model}",
    ),
    { arms: ["paper"], fineTuneCommand: /^deploy\/fine-tune\/trl\/fine-tune\.sh / },
  );
  t.match(
    problem(
      "--out",
      "d",
      "--backends",
      "http://gpu-1:8000",
      "--seed-prompts",
      "p",
      "--arms",
      "paper,gold,flipped",
    ),
    /--backends runs only the paper and no-filter arms, not gold, flipped/,
  );
  t.match(problem("--out", "d", "--backends", "ftp://x"), /--backends: unsupported scheme/);
  t.match(problem("--out", "d", "--backends", ","), /names no replica/);
  t.match(
    problem("--out", "d", "--backends", "http://g:8000", "--generator-noise", "low"),
    /--generator-noise sets the simulated world's generator/,
  );
  t.match(
    problem("--out", "d", "--fine-tune-command", "train {dataset} {output}"),
    /needs --backends/,
  );
  t.match(
    problem("--out", "d", "--backends", "http://g:8000", "--fine-tune-command", "train {dataset}"),
    /lacks \{output\}/,
  );
});

t.test("the usage names every flag and describes every arm", async (t) => {
  t.strictSame(ARM_NAMES, ["paper", "no-filter", "one-order", "gold", "flipped"]);
  for (const flag of [
    "--out",
    "--iterations",
    "--arms",
    "--prompts",
    "--seed",
    "--quick",
    "--generator-noise",
    "--backends",
    "--fine-tune-command",
  ]) {
    t.match(EXPERIMENT_USAGE, flag);
  }
  for (const arm of ARMS) {
    t.ok(arm.description.length > 10, `${arm.name} has a description`);
    t.match(EXPERIMENT_USAGE, `${arm.name.padEnd(10)} ${arm.description}`);
  }
});
