import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import type { Teardown } from "../../helpers/gateway.ts";

const SIM_MAIN = fileURLToPath(new URL("../../../sim/sim-main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** The base model every simulated replica serves (sim/sim-options.ts's default). */
export const BASE = "jurist-sim-judge";

/** A fresh directory for a replica's working dir (its adapters), named `prefix…`. */
export function hostDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a simulated LoRA adapter directory `dir/name` and returns its path. */
export function writeAdapter(dir: string, name: string, accuracy = 0.9): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "adapter.json"), JSON.stringify({ simulated_accuracy: accuracy }));
  return path;
}

/** The model ids a replica lists in `/v1/models`, asked directly (not through a gateway). */
export async function modelsOf(url: string): Promise<string[]> {
  const response = await request(`${url}/v1/models`);
  const body = (await response.body.json()) as { data: { id: string }[] };
  return body.data.map((model) => model.id);
}

/** Unloads an adapter from a replica directly, as a replica restart would lose it. */
export async function dropAdapter(url: string, name: string): Promise<void> {
  const response = await request(`${url}/v1/unload_lora_adapter`, {
    method: "POST",
    body: JSON.stringify({ lora_name: name }),
    headers: { "content-type": "application/json" },
  });
  await response.body.dump();
}

/** A replica process started by `spawnSimIn`. */
export interface SimInDir {
  url: string;
  /** Everything the process wrote to stderr so far (its request log with `--log`). */
  log(): string;
}

/**
 * A simulated replica process whose working directory is `cwd`, so a relative `lora_path`
 * resolves against it: replicas started in different directories see different files, like
 * hosts that do not share a volume. Killed when the test ends.
 */
export async function spawnSimIn(t: Teardown, cwd: string, args: string[] = []): Promise<SimInDir> {
  const child = spawn(process.execPath, [`--import=${TSX}`, SIM_MAIN, "--port", "0", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => kill(child));
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`jurist sim exited (${code}): ${stderr}`)));
    lines.on("line", (line) => {
      const match = /^jurist-sim listening on (\S+) \(SIMULATED\)$/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return { url, log: () => stderr };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/**
 * Whether a replica process's log says `text`, waiting up to 10 s for it: the line is written
 * before the replica answers, but reaches this process through a pipe, possibly after the answer.
 */
export async function logsSay(sim: SimInDir, text: string): Promise<boolean> {
  for (let tries = 0; tries < 200; tries++) {
    if (sim.log().includes(text)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Registers a LoRA candidate through a gateway's admin API. */
export async function registerLora(
  fastify: FastifyInstance,
  id: string,
  uri: string,
  baseModel = BASE,
): Promise<void> {
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/admin/checkpoints",
    payload: { id, kind: "lora", base_model: baseModel, uri },
  });
  if (response.statusCode !== 201) throw new Error(`register ${id}: ${response.body}`);
}

/** A record's status as the admin API lists it. */
export async function statusOf(fastify: FastifyInstance, id: string): Promise<string | undefined> {
  const listing = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
  const records = listing.json().data as { id: string; status: string }[];
  return records.find((record) => record.id === id)?.status;
}

/** The champion as the admin API reports it. */
export async function championOf(fastify: FastifyInstance): Promise<string | null> {
  const listing = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
  return listing.json().champion;
}
