import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng } from "../../../sim/png-image.ts";
import {
  buildTrainingExample,
  type TrainingExample,
} from "../../../trainer/core/training-example.ts";
import { samplePair, says } from "../../trainer/fixtures.ts";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const TRL_DIR = join(ROOT, "deploy/fine-tune/trl");
export const K8S_DIR = join(ROOT, "deploy/fine-tune/k8s");

/** The command templates the README tells people to set, by script. */
export function readmeTemplates(): { trl: string; k8s: string; all: string[] } {
  const readme = readFileSync(join(ROOT, "deploy/fine-tune/README.md"), "utf8");
  const all = [...readme.matchAll(/JURIST_FINE_TUNE_COMMAND='([^']+)'/g)].map((m) => m[1]!);
  const find = (script: string) => all.find((template) => template.startsWith(script)) ?? "";
  return {
    trl: find("deploy/fine-tune/trl/fine-tune.sh "),
    k8s: find("deploy/fine-tune/k8s/run-job.sh "),
    all,
  };
}

function onPath(tool: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool]).status === 0;
}

/**
 * Test options that skip, loudly, when a tool is missing; with JURIST_REQUIRE_TOOLS=1 the test
 * runs anyway and fails on the missing tool.
 */
export function needs(...tools: string[]): { skip: string | false } {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0 || process.env.JURIST_REQUIRE_TOOLS === "1") return { skip: false };
  return {
    skip: `SKIPPED: ${missing.join(" and ")} not on PATH (JURIST_REQUIRE_TOOLS=1 makes this a failure)`,
  };
}

/** The caller's environment less every setting the scripts read, plus `env`. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([key]) =>
      !/^(JURIST_K8S_|JURIST_FINE_TUNE_|JURIST_KUBECTL$|JURIST_DATA_DIR$|JURIST_PYTHON$|JURIST_ACCELERATE$)/.test(
        key,
      ),
  );
  return { ...Object.fromEntries(kept), PYTHONDONTWRITEBYTECODE: "1", ...env };
}

/** Runs a command from the repository root; throws when it cannot start (a missing tool). */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: cleanEnv(options.env),
    input: options.input,
    timeout: 60_000,
  });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  return result;
}

function png(path: string, seed: number): string {
  writeFileSync(
    path,
    encodePng(8 + seed, 6, (x, y) => [(x * 30 + seed) % 256, y * 40, 90]),
  );
  return path;
}

/**
 * A dataset as the trainer writes it: the trainer's own example builder, real PNG files, one
 * pair with one image and one with two, each pair in both orders (4 examples, 3 images).
 */
export function writeDataset(dir: string): { file: string; examples: TrainingExample[] } {
  mkdirSync(join(dir, "images"), { recursive: true });
  const imageSets = [
    [png(join(dir, "images/one.png"), 1)],
    [png(join(dir, "images/two-a.png"), 2), png(join(dir, "images/two-b.png"), 3)],
  ];
  const examples = imageSets.flatMap((imagePaths, i) => {
    const pair = samplePair(`col_${i}`, { imageHashes: imagePaths.map((_, k) => `${i}${k}`) });
    return (["AB", "BA"] as const).map((order) =>
      buildTrainingExample({
        pair,
        order,
        trace: says(order === "AB" ? "A" : "B"),
        imagePaths,
        judgeCheckpoint: "base-model",
        iteration: 1,
      }),
    );
  });
  const file = join(dir, "dataset.jsonl");
  writeFileSync(file, `${examples.map((e) => JSON.stringify(e)).join("\n")}\n`);
  return { file, examples };
}
