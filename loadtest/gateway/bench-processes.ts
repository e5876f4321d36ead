import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { spawnSim } from "../../test/helpers/sim-process.ts";
import type { BenchScope } from "../bench-scope.ts";

const PROXY_MAIN = fileURLToPath(new URL("./pass-through-proxy.ts", import.meta.url));
const PROXY_LISTENING = /^pass-through proxy listening on (http:\/\/\S+)$/;

/** A zero-latency simulated replica process and the model id it serves. */
export async function startZeroLatencySim(scope: BenchScope) {
  const sim = await spawnSim(scope, ["--seed", "0", "--latency-ms", "0"]);
  const response = await fetch(`${sim.url}/v1/models`);
  const { data } = (await response.json()) as { data: { id: string }[] };
  return { url: sim.url, pid: sim.pid, model: data[0]!.id };
}

/** The pass-through proxy (`pass-through-proxy.ts`) in front of `upstream`, as a process. */
export async function startPassThroughProxy(scope: BenchScope, upstream: string) {
  const child = spawn(process.execPath, ["--import=tsx", PROXY_MAIN, "--upstream", upstream], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  scope.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      const match = PROXY_LISTENING.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`pass-through proxy exited (${code}) first`)));
  });
  return { url, pid: child.pid! };
}
