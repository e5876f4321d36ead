import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchScope } from "./bench-scope.ts";

const CLI = fileURLToPath(new URL("../bin/jurist.js", import.meta.url));
const BANNER = /Jurist listens on (http:\/\/\S+?)\. Try:/;

/**
 * `jurist serve` as its own process (its event loop shared with no load generator), on
 * loopback ports, configured by `env` over a quiet baseline (no collection, no event-loop
 * shedding, a fresh data directory). Resolves to its HTTP base URL and a `stop` (SIGTERM, then
 * the exit); `scope` stops it too when it closes.
 */
export async function serveGateway(scope: BenchScope, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: {
      ...process.env,
      PORT: "0",
      GRPC_PORT: "0",
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-bench-")),
      JURIST_COLLECT_RATE: "0",
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
      JURIST_TRAIN_EMBEDDED: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  };
  scope.teardown(stop);
  let stdout = "";
  child.stdout!.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: string) => {
      stdout += chunk;
      const match = BANNER.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`jurist serve exited (${code}) first`)));
  });
  return { url, stop };
}
