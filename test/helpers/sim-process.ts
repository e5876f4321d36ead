import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The part of tap's Test the helper uses, so it works with any subtest. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A simulated replica running as its own process, with `/control` enabled. */
export interface SimProcess {
  /** Base URL from the process's listening line, e.g. `http://127.0.0.2:40123`. */
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** POSTs `patch` to `/control`; resolves to the effective settings, throws on a non-200. */
  control(patch: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// `jurist sim` without src/cli.ts, so a sim does not depend on the gateway's modules loading.
const SIM_MAIN = fileURLToPath(new URL("../../sim/sim-main.ts", import.meta.url));
const LISTENING = /^jurist-sim listening on (http:\/\/\S+) \(SIMULATED\)$/;
/** Generous: a loaded CI machine can take seconds to start Node with tsx. */
const START_TIMEOUT_MS = 30_000;
/** How much of the process's stderr a start failure quotes. */
const STDERR_TAIL_CHARS = 4_000;

/**
 * Starts `jurist sim --port 0 --control ...args` as a child process and resolves once it
 * prints its listening line. Later flags win, so `args` may override the port. The process is
 * SIGKILLed when the test ends if it is still alive. Rejects, quoting the process's stderr,
 * when it exits or stays silent for 30 s first.
 */
export async function spawnSim(t: Teardown, args: string[] = []): Promise<SimProcess> {
  const child = spawn(
    process.execPath,
    ["--import=tsx", SIM_MAIN, "--port", "0", "--control", ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (alive()) child.kill(signal);
    await exited;
  };
  t.teardown(() => kill("SIGKILL"));
  const url = await listeningUrl(child, exited);
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    child,
    control: (patch) => postControl(url, patch),
    kill,
  };
}

/** The URL of the listening line; stdout and stderr keep being drained afterwards. */
function listeningUrl(child: ChildProcess, exited: Promise<void>): Promise<string> {
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`jurist sim ${why} before listening; stderr:\n${stderr}`));
    };
    const timer = setTimeout(
      () => fail(`gave no sign for ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    exited.then(() => fail(`exited (code ${child.exitCode}, signal ${child.signalCode})`));
    lines.on("line", (line) => {
      const match = LISTENING.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
  });
}

async function postControl(
  url: string,
  patch: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`POST ${url}/control answered ${response.status}: ${text}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
