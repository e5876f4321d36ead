import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readDataset } from "./dataset-reader.ts";
import type { JudgeParams } from "./world/judge.ts";
import { contentSeed, DEFAULT_LEARNER, fitJudge } from "./world/learner.ts";
import { DEFAULT_WORLD_KEY } from "./world/scene.ts";
import { JUDGE_SKILLS, uniformSkills } from "./world/skills.ts";

export const FINE_TUNE_USAGE = `usage: jurist sim fine-tune --dataset FILE --output DIR [--init DIR]
       [--base-profile FILE] [--base-accuracy A] [--base-position-bias B] [--base-length-bias L]
       [--learning-rate LR] [--epochs E] [--base-model M] [--world-key K]
  a SIMULATED fine-tune: fits a simulated judge's parameters to the dataset's verdicts by
  logistic regression (SGD), starting from --init's adapter (else the base judge: --base-profile,
  else the --base-* flags, else JURIST_SIM_ACCURACY / JURIST_SIM_POSITION_BIAS, else the sim's
  defaults), and writes DIR/adapter.json for simulated replicas to load`;

/**
 * TRL's learning rates are tiny because a real model has billions of weights; the simulated
 * judge has nine. One example moves its logits by learning-rate · LR_SCALE, so the paper's
 * 1e-5 is a step of 0.05.
 */
export const LR_SCALE = 5_000;

const num = (value: string | undefined) => (value === undefined ? undefined : Number(value));

/** A judge from an adapter.json's fields (`simulated_judge`, or the shorthand); null if none. */
export function judgeFromAdapter(
  adapter: Record<string, unknown>,
  fallback: JudgeParams,
): JudgeParams | null {
  const judge = adapter.simulated_judge as
    | {
        skills?: Record<string, number>;
        position_bias?: number;
        length_bias?: number;
        capacity?: JudgeParams["capacity"];
      }
    | undefined;
  // The eyesight is the base model's: carried along, never learnt.
  const capacity = judge?.capacity ?? fallback.capacity;
  const withCapacity = capacity ? { capacity } : {};
  if (judge?.skills) {
    return {
      skills: Object.fromEntries(
        JUDGE_SKILLS.map((s) => [s, judge.skills![s] ?? fallback.skills[s]]),
      ) as JudgeParams["skills"],
      positionBias: judge.position_bias ?? fallback.positionBias,
      lengthBias: judge.length_bias ?? fallback.lengthBias,
      ...withCapacity,
    };
  }
  if (typeof adapter.simulated_accuracy === "number") {
    return {
      skills: uniformSkills(adapter.simulated_accuracy),
      positionBias:
        typeof adapter.simulated_position_bias === "number"
          ? adapter.simulated_position_bias
          : fallback.positionBias,
      lengthBias: fallback.lengthBias,
      ...withCapacity,
    };
  }
  return null;
}

type Values = Record<string, string | undefined>;

/** The base judge when there is no init checkpoint. */
async function baseJudge(values: Values): Promise<JudgeParams> {
  const env = process.env;
  const flags: JudgeParams = {
    skills: uniformSkills(num(values["base-accuracy"]) ?? num(env.JURIST_SIM_ACCURACY) ?? 0.8),
    positionBias: num(values["base-position-bias"]) ?? num(env.JURIST_SIM_POSITION_BIAS) ?? 0.1,
    lengthBias: num(values["base-length-bias"]) ?? 0,
  };
  if (!values["base-profile"]) return flags;
  const profile = JSON.parse(await readFile(values["base-profile"], "utf8"));
  const judge = judgeFromAdapter(profile, flags);
  if (!judge) throw new Error(`${values["base-profile"]} holds no simulated_judge`);
  return judge;
}

/** The init checkpoint's judge, else the base judge. */
async function initJudge(values: Values): Promise<JudgeParams> {
  const base = await baseJudge(values);
  if (!values.init) return base;
  const adapter = JSON.parse(await readFile(join(values.init, "adapter.json"), "utf8"));
  return judgeFromAdapter(adapter, base) ?? base;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: "string" },
      output: { type: "string" },
      init: { type: "string" },
      "base-profile": { type: "string" },
      "base-accuracy": { type: "string" },
      "base-position-bias": { type: "string" },
      "base-length-bias": { type: "string" },
      "learning-rate": { type: "string", default: "1e-5" },
      epochs: { type: "string", default: "5" },
      "base-model": { type: "string" },
      "world-key": { type: "string", default: DEFAULT_WORLD_KEY },
    },
  });
  const epochs = Number(values.epochs);
  const learningRate = Number(values["learning-rate"]);
  const accuracy = num(values["base-accuracy"]);
  if (!values.dataset || !values.output) return null;
  if (accuracy !== undefined && !(accuracy > 0 && accuracy < 1)) return null;
  if (!Number.isInteger(epochs) || epochs < 1 || !(learningRate > 0)) return null;
  return { values: values as Values, epochs, learningRate };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * `jurist sim fine-tune`: stands in for TRL/accelerate in tests and the embedded default.
 * It reads the dataset (prompts, verdicts, images), fits the judge by SGD, prints a training
 * log marked simulated and writes an adapter simulated replicas can load. The result depends
 * only on the init judge, the dataset's bytes and the flags.
 */
export async function runFineTuneCommand(argv: string[]): Promise<void> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    options = null;
    process.stderr.write(`${(error as Error).message}\n`);
  }
  if (!options) {
    process.stderr.write(`${FINE_TUNE_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const { values } = options;
  const init = await initJudge(values);
  const dataset = await readDataset(values.dataset!, values["world-key"]!, init.capacity);
  const fitted = fitJudge(init, dataset.examples, {
    ...DEFAULT_LEARNER,
    step: options.learningRate * LR_SCALE,
    epochs: options.epochs,
    shuffleSeed: contentSeed(dataset.examples),
  });
  fitted.losses.forEach((loss, i) => {
    process.stdout.write(`[simulated] epoch ${i + 1}/${options.epochs} loss ${loss.toFixed(4)}\n`);
  });
  await mkdir(values.output!, { recursive: true });
  const judge = {
    skills: Object.fromEntries(JUDGE_SKILLS.map((s) => [s, round(fitted.params.skills[s])])),
    position_bias: round(fitted.params.positionBias),
    length_bias: round(fitted.params.lengthBias),
    ...(init.capacity ? { capacity: init.capacity } : {}),
  };
  const adapter = {
    simulated: true,
    simulated_judge: judge,
    init_judge: {
      skills: init.skills,
      position_bias: init.positionBias,
      length_bias: init.lengthBias,
    },
    examples: dataset.examples.length,
    unreadable_examples: dataset.unreadable,
    base_model: values["base-model"] ?? null,
    init: values.init ?? null,
    learning_rate: options.learningRate,
    epochs: options.epochs,
    dataset: values.dataset,
  };
  await writeFile(join(values.output!, "adapter.json"), `${JSON.stringify(adapter, null, 2)}\n`);
  const moved = JUDGE_SKILLS.map(
    (s) => `${s} ${init.skills[s].toFixed(2)}→${judge.skills[s]!.toFixed(2)}`,
  );
  process.stdout.write(
    `[simulated] adapter written to ${values.output}: ${dataset.examples.length} examples; ${moved.join(", ")}; position bias ${init.positionBias.toFixed(2)}→${judge.position_bias.toFixed(2)}; length bias ${init.lengthBias.toFixed(2)}→${judge.length_bias.toFixed(2)}\n`,
  );
}
