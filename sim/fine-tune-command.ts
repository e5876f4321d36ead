import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fineTunedAccuracy, type SimTrainingOutcome, simulateTraining } from "./sim-fine-tune.ts";

export const FINE_TUNE_USAGE = `usage: jurist sim fine-tune --dataset FILE --output DIR [--init DIR]
       [--base-accuracy A] [--learning-rate LR] [--epochs E] [--base-model M]
  a SIMULATED fine-tune: writes DIR/adapter.json whose accuracy (and each per-category
  accuracy of the parent) follows the documented function of the parent's accuracy, the
  dataset's size and its label precision`;

/** The parent adapter's simulated fields, or the base accuracy when there is none. */
async function parentAdapter(
  init: string | undefined,
  base: number,
): Promise<{ accuracy: number; categoryAccuracy?: Record<string, number> }> {
  if (!init) return { accuracy: base };
  try {
    const adapter = JSON.parse(await readFile(join(init, "adapter.json"), "utf8"));
    const accuracy =
      typeof adapter.simulated_accuracy === "number" ? adapter.simulated_accuracy : base;
    const table = adapter.simulated_category_accuracy;
    return typeof table === "object" && table !== null
      ? { accuracy, categoryAccuracy: table }
      : { accuracy };
  } catch {
    return { accuracy: base };
  }
}

/** The same training moves every category's accuracy by the documented function. */
function fineTunedCategories(
  parent: Record<string, number> | undefined,
  outcome: SimTrainingOutcome,
): Record<string, number> | undefined {
  if (!parent) return undefined;
  return Object.fromEntries(
    Object.entries(parent).map(([category, accuracy]) => [
      category,
      fineTunedAccuracy(accuracy, outcome.examples, outcome.labelPrecision),
    ]),
  );
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: "string" },
      output: { type: "string" },
      init: { type: "string" },
      "base-accuracy": { type: "string", default: "0.8" },
      "learning-rate": { type: "string", default: "1e-5" },
      epochs: { type: "string", default: "5" },
      "base-model": { type: "string" },
    },
  });
  const baseAccuracy = Number(values["base-accuracy"]);
  const epochs = Number(values.epochs);
  if (!values.dataset || !values.output || !(baseAccuracy > 0 && baseAccuracy < 1)) return null;
  if (!Number.isInteger(epochs) || epochs < 1) return null;
  return { ...values, baseAccuracy, epochs, learningRate: Number(values["learning-rate"]) };
}

/**
 * `jurist sim fine-tune`: stands in for TRL/accelerate in tests and the embedded default.
 * It reads the dataset, measures its label precision against the sim's hidden truth, prints a
 * training log (marked simulated) and writes an adapter the simulated replicas can load.
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
  const lines = (await readFile(options.dataset!, "utf8")).split("\n").filter((l) => l.trim());
  const parent = await parentAdapter(options.init, options.baseAccuracy);
  const outcome = simulateTraining(
    lines.map((line) => JSON.parse(line)),
    parent.accuracy,
  );
  const categories = fineTunedCategories(parent.categoryAccuracy, outcome);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const loss = (0.7 * (1 - outcome.labelPrecision / 2)) / epoch;
    process.stdout.write(`[simulated] epoch ${epoch}/${options.epochs} loss ${loss.toFixed(4)}\n`);
  }
  await mkdir(options.output!, { recursive: true });
  const adapter = {
    simulated: true,
    simulated_accuracy: outcome.accuracy,
    ...(categories ? { simulated_category_accuracy: categories } : {}),
    parent_accuracy: outcome.parentAccuracy,
    examples: outcome.examples,
    label_precision: outcome.labelPrecision,
    base_model: options["base-model"] ?? null,
    init: options.init ?? null,
    learning_rate: options.learningRate,
    epochs: options.epochs,
    dataset: options.dataset,
  };
  await writeFile(join(options.output!, "adapter.json"), `${JSON.stringify(adapter, null, 2)}\n`);
  process.stdout.write(
    `[simulated] adapter written to ${options.output}: accuracy ${outcome.parentAccuracy.toFixed(3)} → ${outcome.accuracy.toFixed(3)} (${outcome.examples} examples, label precision ${outcome.labelPrecision.toFixed(3)})\n`,
  );
}
