import { spawn } from "node:child_process";
import { once } from "node:events";
import { tempDir } from "./evaluate-fixtures.ts";

const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;

/**
 * Runs `jurist eval` as a process with no backend configured: embedded simulated replicas,
 * like `serve`. Returns its exit code and everything it printed.
 */
export async function runEval(args: string[]) {
  const { JURIST_BACKENDS: _unset, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, "eval", ...args], {
    env: {
      ...env,
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: tempDir("eval-cli-data"),
      JURIST_SIM_LATENCY_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, "exit");
  return { code: code as number, stdout, stderr };
}
