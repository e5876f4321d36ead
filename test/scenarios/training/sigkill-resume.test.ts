import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import t from "tap";
import type { IterationStage } from "../../../trainer/stages/iteration-context.ts";
import { startSims } from "../../helpers/gateway.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** `jurist train` as its own process, as an operator runs it. */
function spawnTrain(dataDir: string, backends: string, seeds: string): ChildProcess {
  return spawn(
    process.execPath,
    ["bin/jurist.js", "train", "--iterations", "1", "--seed-prompts", seeds],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        JURIST_BACKENDS: backends,
        JURIST_DATA_DIR: dataDir,
        JURIST_LOG_LEVEL: "warn",
        JURIST_TRAIN_CONCURRENCY: "2",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

async function lineCount(path: string): Promise<number> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "").length;
  } catch {
    return 0;
  }
}

async function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal };
}

/** Runs `jurist train` to the end; rejects with its stderr on a non-zero exit. */
async function trainToEnd(dataDir: string, backends: string, seeds: string): Promise<string> {
  const child = spawnTrain(dataDir, backends, seeds);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const { code } = await exitOf(child);
  if (code !== 0) throw new Error(`jurist train exited ${code}: ${stderr.slice(-2_000)}`);
  return stdout;
}

/**
 * Starts `jurist train` and SIGKILLs it once `file` in the iteration directory holds
 * `records` lines: no signal handler, no flush, no goodbye — a crash.
 */
async function killDuring(
  dataDir: string,
  backends: string,
  seeds: string,
  file: string,
  records: number,
): Promise<number> {
  const child = spawnTrain(dataDir, backends, seeds);
  child.stdout!.resume();
  child.stderr!.resume();
  const path = join(dataDir, "trainer", "iteration-1", file);
  while (child.exitCode === null) {
    const written = await lineCount(path);
    if (written >= records) {
      child.kill("SIGKILL");
      await exitOf(child);
      return written;
    }
    await sleep(10);
  }
  throw new Error(
    `jurist train exited (${child.exitCode}) before ${file} reached ${records} records`,
  );
}

async function completedStages(dataDir: string): Promise<IterationStage[]> {
  const state = await readFile(join(dataDir, "trainer", "iteration-1", "state.json"), "utf8");
  return JSON.parse(state).completed;
}

async function ids(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line).id);
}

t.test(
  "SIGKILL during synthesis and during filtering: the restarted trainer ends with the uninterrupted dataset",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 60);
    // One sim seed for both replicas: a completion must not depend on which replica served it.
    const sims = await startSims(t, 2, { seed: 0, latencyMs: 15 });
    const backends = sims.map((sim) => sim.url).join(",");

    const straight = join(dir, "straight");
    await trainToEnd(straight, backends, seeds);

    const crashed = join(dir, "crashed");
    const atSynthesis = await killDuring(crashed, backends, seeds, "synthesize.jsonl", 12);
    t.notOk(
      (await completedStages(crashed)).includes("synthesize"),
      `killed in synthesis after ${atSynthesis} records`,
    );
    const atJudge = await killDuring(crashed, backends, seeds, "judge.jsonl", 6);
    const stages = await completedStages(crashed);
    t.ok(
      stages.includes("synthesize") && !stages.includes("judge"),
      `killed in filtering after ${atJudge} records`,
    );
    await trainToEnd(crashed, backends, seeds);

    const iteration = (root: string, file: string) => join(root, "trainer", "iteration-1", file);
    for (const file of ["synthesize.jsonl", "judge.jsonl"]) {
      const written = await ids(iteration(crashed, file));
      t.equal(new Set(written).size, written.length, `${file}: no record written twice`);
      t.strictSame(
        [...written].sort(),
        (await ids(iteration(straight, file))).sort(),
        `${file}: the same records as the uninterrupted run, none lost`,
      );
    }
    const expected = await readFile(iteration(straight, "dataset.jsonl"), "utf8");
    const actual = await readFile(iteration(crashed, "dataset.jsonl"), "utf8");
    t.ok(expected.length > 0, "the uninterrupted run kept examples");
    t.equal(actual, expected, "dataset.jsonl is byte for byte the uninterrupted run's");
    t.same(await completedStages(crashed), await completedStages(straight));
  },
);
