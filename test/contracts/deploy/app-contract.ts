import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { startSimServer } from "../../../sim/sim-server.ts";
import { CONFIG_VARIABLES, type Config, loadConfig } from "../../../src/config/config.ts";
import { startMetricsServer } from "../../../trainer/worker/metrics-server.ts";
import { startGateway, type Teardown } from "../../helpers/gateway.ts";
import { ROOT } from "./fine-tune-fixtures.ts";

/**
 * What the deployment files (compose, Kubernetes) may assume of the app, read from the app
 * itself: the variables its config schema knows, what the image sets, the routes each command
 * serves. Shared by compose.test.ts, kustomize.test.ts and dockerfile.test.ts.
 */

export const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** One Dockerfile instruction, continuation lines joined, in the stage it belongs to. */
export interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

export function dockerfileInstructions(text = read("Dockerfile")): Instruction[] {
  const logical = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "");
  let stage = "";
  return logical.map((line) => {
    const [keyword = "", ...rest] = line.trim().split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args;
    return { stage, keyword: keyword.toUpperCase(), args };
  });
}

/** The stages `target` is built on, itself first (`FROM <stage>` chains). */
export function stageChain(instructions: Instruction[], target: string): string[] {
  const chain: string[] = [];
  for (let stage: string | undefined = target; stage; ) {
    chain.push(stage);
    const from = instructions.find((i) => i.stage === stage && i.keyword === "FROM")?.args;
    const base = from?.replace(/^--\S+\s+/, "").split(/\s+/)[0];
    stage = instructions.some((i) => i.stage === base) ? base : undefined;
  }
  return chain;
}

/** The environment the image sets for `target` (ENV K=V …, earlier stages first). */
export function imageEnv(target = "runtime"): Record<string, string> {
  const instructions = dockerfileInstructions();
  const env: Record<string, string> = {};
  for (const stage of stageChain(instructions, target).reverse()) {
    for (const { args } of instructions.filter((i) => i.stage === stage && i.keyword === "ENV")) {
      for (const [, name, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) {
        env[name!] = value!;
      }
    }
  }
  return env;
}

/** Variables a fine-tune script documents in its header (the comment block up to `set -`). */
function scriptSettings(path: string): string[] {
  const header = read(path).split(/^set -/m)[0] ?? "";
  return [...new Set(header.match(/\bJURIST_[A-Z0-9_]+\b/g) ?? [])];
}

/**
 * Every variable a Jurist container may be given: the config schema's, JURIST_CONFIG,
 * NODE_OPTIONS (Node's own: the gateway pod sets V8's heap limit by it), and
 * those of the fine-tune script its JURIST_FINE_TUNE_COMMAND runs (plus Hugging Face's own,
 * read by the Python the TRL template runs).
 */
export function allowedVariables(fineTuneCommand: string | undefined): Set<string> {
  const allowed = new Set([...CONFIG_VARIABLES, "JURIST_CONFIG", "NODE_OPTIONS"]);
  const script = fineTuneCommand?.split(/\s+/)[0];
  if (
    script === "deploy/fine-tune/k8s/run-job.sh" ||
    script === "deploy/fine-tune/trl/fine-tune.sh"
  ) {
    for (const name of scriptSettings(script)) allowed.add(name);
  }
  if (script === "deploy/fine-tune/trl/fine-tune.sh") {
    allowed.add("HF_HOME");
    allowed.add("HF_TOKEN");
  }
  return allowed;
}

/** The configuration a container gets: the image's environment under its own. */
export function containerConfig(env: Record<string, string>, target = "runtime"): Config {
  const known = Object.fromEntries(
    Object.entries({ ...imageEnv(target), ...env }).filter(([name]) =>
      CONFIG_VARIABLES.includes(name),
    ),
  );
  return loadConfig(known);
}

/** The long-running commands a deployment runs, and the HTTP port each serves on. */
export type Command = "serve" | "trainer" | "sim";

export function isCommand(word: string | undefined): word is Command {
  return word === "serve" || word === "trainer" || word === "sim";
}

/** Where `jurist sim` listens: its --port, or vLLM's 8000. */
export function simPort(args: string[]): number {
  const index = args.indexOf("--port");
  return index >= 0 ? Number(args[index + 1]) : 8000;
}

/**
 * GET `path` on a real instance of what `command` serves (a gateway app over simulated
 * replicas, the trainer's metrics server, a simulated replica) and return the status.
 */
export async function routeStatus(t: Teardown, command: Command, path: string): Promise<number> {
  if (command === "serve") {
    const { fastify } = await startGateway(t, { replicas: 1 });
    return (await fastify.inject({ method: "GET", url: path })).statusCode;
  }
  const server =
    command === "trainer"
      ? await startMetricsServer(new Registry(), 0, "127.0.0.1")
      : await startSimServer({ latencyMs: 0 });
  t.teardown(() => server.close());
  return (await fetch(new URL(path, server.url))).status;
}
