import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { categoryAccuracyProblem } from "./sim-bench-category.ts";
import { JUDGE_SKILLS, type SkillTable, uniformSkills } from "./world/skills.ts";

/**
 * The LoRA adapters a simulated replica has loaded. An adapter directory (or a `.json`
 * file) may hold `adapter.json` with the judge the simulated fine-tune learnt,
 * `{ "simulated_judge": { "skills": { [skill]: accuracy }, "position_bias": p, "length_bias": x } }`,
 * or the shorthand `{ "simulated_accuracy": number (every skill),
 * "simulated_position_bias"?: number, "simulated_category_accuracy"?: { [category]: number } }`;
 * without either the adapter judges like its base model. The category table overrides the
 * skills on simulated benchmark items of those categories (`JudgeProfile.categoryAccuracy`).
 */

/** One loaded adapter. */
export interface LoraAdapter {
  name: string;
  path: string;
  /** Unix seconds when it was loaded. */
  created: number;
  /** Own accuracy per skill, or undefined to follow the base model's. */
  skills?: SkillTable;
  /** Own position bias, or undefined to follow the base model's. */
  positionBias?: number;
  /** Own length bias, or undefined to follow the base model's. */
  lengthBias?: number;
  /**
   * Own per-category accuracy, or undefined: then the base model's table when the adapter
   * has no own skills either, else none.
   */
  categoryAccuracy?: Readonly<Record<string, number>>;
}

/** A refusal with vLLM's status and error type. */
export interface AdapterFailure {
  status: 400 | 404;
  type: "BadRequestError" | "NotFoundError";
  message: string;
}

type AdapterConfig = Pick<
  LoraAdapter,
  "skills" | "positionBias" | "lengthBias" | "categoryAccuracy"
>;

const isProbability = (value: unknown): value is number =>
  typeof value === "number" && value >= 0 && value <= 1;

/** The `simulated_category_accuracy` table, or why it is unusable. */
function readCategoryAccuracy(file: string, value: unknown): Record<string, number> | string {
  const field = "simulated_category_accuracy";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `${file}: ${field} must be an object of category: accuracy`;
  }
  const problem = categoryAccuracyProblem(value as Record<string, unknown>);
  return problem ? `${file}: ${field}: ${problem}` : { ...(value as Record<string, number>) };
}

/** The `simulated_judge` object, or why it is unusable. */
function readJudge(file: string, value: unknown): AdapterConfig | string {
  const field = "simulated_judge";
  const judge = value as { skills?: unknown; position_bias?: unknown; length_bias?: unknown };
  if (
    typeof judge !== "object" ||
    judge === null ||
    typeof judge.skills !== "object" ||
    judge.skills === null
  ) {
    return `${file}: ${field} must be { skills, position_bias, length_bias }`;
  }
  const skills = judge.skills as Record<string, unknown>;
  for (const skill of JUDGE_SKILLS) {
    if (!isProbability(skills[skill]))
      return `${file}: ${field}.skills.${skill} must be a number in [0, 1]`;
  }
  if (!isProbability(judge.position_bias))
    return `${file}: ${field}.position_bias must be a number in [0, 1]`;
  if (typeof judge.length_bias !== "number" || !Number.isFinite(judge.length_bias)) {
    return `${file}: ${field}.length_bias must be a number`;
  }
  return {
    skills: Object.fromEntries(JUDGE_SKILLS.map((s) => [s, skills[s] as number])) as SkillTable,
    positionBias: judge.position_bias,
    lengthBias: judge.length_bias,
  };
}

async function readConfigFile(file: string): Promise<AdapterConfig | string> {
  let parsed: {
    simulated_judge?: unknown;
    simulated_accuracy?: unknown;
    simulated_position_bias?: unknown;
    simulated_category_accuracy?: unknown;
  };
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    return `cannot read ${file}: ${(error as Error).message}`;
  }
  let config: AdapterConfig = {};
  if (parsed?.simulated_judge !== undefined) {
    const judge = readJudge(file, parsed.simulated_judge);
    if (typeof judge === "string") return judge;
    config = judge;
  }
  for (const field of ["simulated_accuracy", "simulated_position_bias"] as const) {
    const value = parsed?.[field];
    if (value === undefined) continue;
    if (!isProbability(value)) return `${file}: ${field} must be a number in [0, 1]`;
    if (field === "simulated_accuracy") config.skills ??= uniformSkills(value);
    else config.positionBias ??= value;
  }
  if (parsed?.simulated_category_accuracy === undefined) return config;
  const table = readCategoryAccuracy(file, parsed.simulated_category_accuracy);
  return typeof table === "string" ? table : { ...config, categoryAccuracy: table };
}

/** The adapter's simulated config; a string says why it cannot be loaded. */
async function readAdapterConfig(path: string): Promise<AdapterConfig | string | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (info.isFile()) return path.endsWith(".json") ? readConfigFile(path) : {};
  const file = join(path, "adapter.json");
  const hasConfig = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  return hasConfig ? readConfigFile(file) : {};
}

/** The adapter registry of one replica (no shared state between replicas). */
export function createLoraRegistry() {
  const adapters = new Map<string, LoraAdapter>();
  const loaded = (name: string): AdapterFailure => ({
    status: 400,
    type: "BadRequestError",
    message: `The lora adapter '${name}' has already been loaded.`,
  });

  /** Loads an adapter; `reserved` names (the base model) count as already loaded. */
  async function load(
    name: string,
    path: string,
    reserved: readonly string[],
  ): Promise<LoraAdapter | AdapterFailure> {
    if (adapters.has(name) || reserved.includes(name)) return loaded(name);
    const config = await readAdapterConfig(path);
    if (config === null) {
      const message = `Loading lora ${name} failed: No adapter found for ${path}`;
      return { status: 404, type: "NotFoundError", message };
    }
    if (typeof config === "string") {
      return {
        status: 400,
        type: "BadRequestError",
        message: `Loading lora ${name} failed: ${config}`,
      };
    }
    if (adapters.has(name)) return loaded(name);
    const adapter = { name, path, created: Math.floor(Date.now() / 1000), ...config };
    adapters.set(name, adapter);
    return adapter;
  }

  return {
    load,
    /** False when no adapter has that name. */
    unload: (name: string): boolean => adapters.delete(name),
    get: (name: string): LoraAdapter | undefined => adapters.get(name),
    list: (): LoraAdapter[] => [...adapters.values()],
  };
}

export type LoraRegistry = ReturnType<typeof createLoraRegistry>;
