import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Teardown } from "./sim-process.ts";

const CLI = fileURLToPath(new URL("../../bin/jurist.js", import.meta.url));
/** `jurist` from its TypeScript sources through tsx, whether or not dist/ is built. */
export const FROM_SOURCES = [
  "--import=tsx",
  fileURLToPath(new URL("../../src/cli.ts", import.meta.url)),
] as const;
const BANNER = /Jurist listens on (http:\/\/\S+?)\. Try:[\s\S]*listens on (\S+)\.\n/;
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

/** A `jurist serve` process started by `serveGateway`. */
export interface ServedGateway {
  url: string;
  grpcAddress: string;
  pid: number;
  /** Where the process's stdout (its JSON log lines) goes. */
  logFile: string;
  /** SIGTERM, then resolves with the exit code once it has exited (null if a signal ended it). */
  stop(): Promise<number | null>;
}

/**
 * `jurist serve` as its own process (its event loop shared with no load generator), on
 * loopback ports, configured by `env` over a quiet baseline (no collection, no event-loop
 * shedding, a fresh data directory), node run with `nodeArgs` first and `entry` (default
 * bin/jurist.js: dist/ when built and current, else the sources through tsx). Its stdout goes
 * to a file, as a container's log would, so a benchmark spends nothing draining it. Resolves
 * once it prints its banner; `scope` stops it (SIGTERM, then the exit) at teardown.
 */
export async function serveGateway(
  scope: Teardown,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  entry: readonly string[] = [CLI],
): Promise<ServedGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "jurist-bench-"));
  const logFile = join(dataDir, "gateway.log");
  const logFd = openSync(logFile, "w");
  const child = spawn(process.execPath, [...nodeArgs, ...entry, "serve"], {
    env: {
      ...process.env,
      PORT: "0",
      GRPC_PORT: "0",
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: dataDir,
      JURIST_COLLECT_RATE: "0",
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
      JURIST_TRAIN_EMBEDDED: "false",
      ...env,
    },
    stdio: ["ignore", logFd, "inherit"],
  });
  closeSync(logFd);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    return child.exitCode;
  };
  scope.teardown(stop);
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    const match = BANNER.exec(readFileSync(logFile, "utf8"));
    if (match) return { url: match[1]!, grpcAddress: match[2]!, pid: child.pid!, logFile, stop };
    if (child.exitCode !== null) throw new Error(`jurist serve exited (${child.exitCode}) first`);
    if (performance.now() > deadline) throw new Error("jurist serve did not start in 30 s");
    await sleep(POLL_MS);
  }
}
