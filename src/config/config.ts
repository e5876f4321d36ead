import { readFileSync } from "node:fs";
import { z } from "zod";
import { crossSettingProblems } from "./cross-checks.ts";
import { isDerived, isSetting, type SettingTree, type Values } from "./setting.ts";
import { AREAS, SETTINGS, type SettingsTree } from "./settings.ts";

/**
 * The one configuration. Read from the environment, optionally layered over a JSON file named
 * by JURIST_CONFIG (same variable names as keys; the environment wins). Parsed once at start
 * into a deeply frozen object; every problem is listed at once on failure. Each setting is
 * declared once, in its area's ./*-settings.ts (docs/configuration.md is rendered from them).
 */

export type Config = DeepReadonly<Values<SettingsTree>>;

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Raised when configuration is invalid; `problems` lists every one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The variable names the settings declare, for docs and for ignoring unrelated env entries. */
export const CONFIG_VARIABLES = SETTINGS.map((setting) => setting.env);

const duplicates = CONFIG_VARIABLES.filter(
  (name, index) => CONFIG_VARIABLES.indexOf(name) !== index,
);
if (duplicates.length > 0) throw new Error(`settings declared twice: ${duplicates.join(", ")}`);

const flatSchema = z.object(
  Object.fromEntries(SETTINGS.map((setting) => [setting.env, setting.schema])),
);

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`JURIST_CONFIG: cannot read ${path}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`JURIST_CONFIG: ${path} is not JSON: ${(error as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([`JURIST_CONFIG: ${path} must hold a JSON object`]);
  }
  const unknownKeys = Object.keys(parsed).filter((key) => !CONFIG_VARIABLES.includes(key));
  if (unknownKeys.length > 0) {
    throw new ConfigError(unknownKeys.map((key) => `JURIST_CONFIG: unknown key ${key} in ${path}`));
  }
  return parsed as Record<string, unknown>;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") picked[name] = value;
  }
  return picked;
}

type Branch = Record<string, unknown>;

/** Places every value of `tree` in `target` (areas may share a branch, never a leaf). */
function place(target: Branch, tree: SettingTree, parsed: Branch, branches: Set<unknown>): void {
  for (const [key, node] of Object.entries(tree)) {
    const leaf = isSetting(node) || isDerived(node);
    if (key in target && (leaf || !branches.has(target[key]))) {
      throw new Error(`the Config key ${key} is declared twice`);
    }
    if (isSetting(node)) target[key] = node.map(parsed[node.env] as never);
    else if (isDerived(node)) target[key] = node.compute(parsed[node.from.env]);
    else {
      if (!(key in target)) target[key] = {};
      const branch = target[key] as Branch;
      branches.add(branch);
      place(branch, node, parsed, branches);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses configuration from `env` (default `process.env`), layered over the JSON file named
 * by `JURIST_CONFIG`. Throws ConfigError listing every problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.JURIST_CONFIG ? readConfigFile(env.JURIST_CONFIG) : {};
  const result = flatSchema.safeParse({ ...file, ...fromEnvironment(env) });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`),
    );
  }
  const config: Branch = {};
  const branches = new Set<unknown>();
  for (const area of AREAS) place(config, area.tree, result.data, branches);
  const problems = crossSettingProblems(config as unknown as Values<SettingsTree>);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config) as unknown as Config;
}
