import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { spawnSim } from "../../test/helpers/sim-process.ts";
import type { BenchScope } from "../bench-scope.ts";

const PROXY_MAIN = fileURLToPath(new URL("./pass-through-proxy.ts", import.meta.url));
const JUDGE_PROXY_MAIN = fileURLToPath(new URL("./minimal-judge-proxy.ts", import.meta.url));
const DRAINING_REPLICA_MAIN = fileURLToPath(new URL("../draining-replica.ts", import.meta.url));

/** A zero-latency simulated replica process and the model id it serves. */
export async function startZeroLatencySim(scope: BenchScope) {
  const sim = await spawnSim(scope, ["--seed", "0", "--latency-ms", "0"]);
  const response = await fetch(`${sim.url}/v1/models`);
  const { data } = (await response.json()) as { data: { id: string }[] };
  return { url: sim.url, pid: sim.pid, model: data[0]!.id };
}

/** The pass-through proxy (`pass-through-proxy.ts`) in front of `upstream`, as a process. */
export function startPassThroughProxy(scope: BenchScope, upstream: string) {
  return startListening(scope, "pass-through proxy", [PROXY_MAIN, "--upstream", upstream]);
}

/** The minimal judge proxy (`minimal-judge-proxy.ts`) in front of `upstream`, as a process. */
export function startMinimalJudgeProxy(scope: BenchScope, upstream: string, model: string) {
  return startListening(scope, "minimal judge proxy", [
    JUDGE_PROXY_MAIN,
    ...["--upstream", upstream, "--model", model],
  ]);
}

/**
 * A replica stand-in that drains bodies unparsed (`../draining-replica.ts`), as a process,
 * serving `model`; `answer` "fast" has it answer the one letter a fast verdict asks for,
 * `latencyMs` after each body has arrived.
 */
export function startDrainingReplica(
  scope: BenchScope,
  options: { answer?: "reasoned" | "fast"; model?: string; latencyMs?: number } = {},
) {
  return startListening(scope, "draining replica", [
    DRAINING_REPLICA_MAIN,
    ...["--answer", options.answer ?? "reasoned"],
    ...["--latency-ms", String(options.latencyMs ?? 0)],
    ...(options.model ? ["--model", options.model] : []),
  ]);
}

/**
 * `node --import=tsx ...args`, resolved with the URL of its `<name> listening on URL` line;
 * SIGTERMed at teardown.
 */
async function startListening(scope: BenchScope, name: string, args: readonly string[]) {
  const child = spawn(process.execPath, ["--import=tsx", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  scope.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  });
  const listening = `${name} listening on `;
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line.startsWith(listening)) resolve(line.slice(listening.length).trim());
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) first`)));
  });
  return { url, pid: child.pid! };
}
