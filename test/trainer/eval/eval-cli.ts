import { spawn } from "node:child_process";
import { processOutput } from "../../helpers/process-output.ts";
import { tempDir } from "./evaluate-fixtures.ts";

const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;

/**
 * Runs `jurist eval` as a process with no backend configured: embedded simulated replicas,
 * like `serve` (`extraEnv` tunes them). Returns its exit code and everything it printed.
 */
export async function runEval(args: string[], extraEnv: Record<string, string> = {}) {
  const { JURIST_BACKENDS: _unset, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, "eval", ...args], {
    env: {
      ...env,
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: tempDir("eval-cli-data"),
      JURIST_SIM_LATENCY_MS: "0",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { code, stdout, stderr } = await processOutput(child);
  return { code: code as number, stdout, stderr };
}
