import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Config } from "../../../src/config/config.ts";
import { blobDir } from "../../../src/store/create-stores.ts";
import { blobFilePath } from "../../../src/store/file-blob-store.ts";
import { type OpenedTrainer, sharedSignal } from "../../../trainer/pipeline/open-trainer-env.ts";
import {
  createTrainerWorker,
  type TrainerWorkerOptions,
} from "../../../trainer/worker/trainer-worker.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * A trainer worker over an opened trainer, wired as `jurist trainer` wires it: its prompt
 * log, blob files under the data dir, and `stop` as the signal; `extra` adds hooks.
 */
export function workerFor(
  opened: OpenedTrainer,
  config: Config,
  stop: AbortController,
  extra: Partial<TrainerWorkerOptions> = {},
) {
  return createTrainerWorker({
    env: opened.env,
    promptLog: opened.stores.promptLog,
    blobPath: (sha256) => blobFilePath(blobDir(config), sha256),
    signal: sharedSignal(stop.signal),
    ...extra,
  });
}

/** Runs `jurist trainer status` as a process with `env`: its exit code and stdout. */
export async function trainerStatus(env: Record<string, string>) {
  const cli = spawn(process.execPath, ["bin/jurist.js", "trainer", "status"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  cli.stdout!.on("data", (chunk) => (out += chunk));
  const [code] = await once(cli, "exit");
  return { code, out };
}
