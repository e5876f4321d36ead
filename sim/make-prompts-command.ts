import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { makeSeedPrompts } from "./seed-prompts.ts";

export const MAKE_PROMPTS_USAGE =
  "usage: jurist sim make-prompts --n N --out FILE [--seed S]\n" +
  "  writes N seed prompts (JSONL { id, question, images }) and their PNGs beside FILE";

/**
 * `jurist sim make-prompts`: seed prompts for the trainer — closed and open questions, each
 * with a small generated image written to `<FILE>.images/` (paths in the JSONL are relative to
 * the JSONL's folder).
 */
export async function runMakePromptsCommand(argv: string[]): Promise<void> {
  let values: { n?: string; out?: string; seed?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { n: { type: "string" }, out: { type: "string" }, seed: { type: "string" } },
    }));
  } catch (error) {
    return fail(`${(error as Error).message}\n${MAKE_PROMPTS_USAGE}`);
  }
  const count = Number(values.n);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000 || !values.out) {
    return fail(MAKE_PROMPTS_USAGE);
  }
  const imageDir = `${values.out}.images`;
  await mkdir(imageDir, { recursive: true });
  const lines: string[] = [];
  for (const { prompt, image } of makeSeedPrompts(count, values.seed ?? 0)) {
    const path = join(imageDir, prompt.images[0]!);
    await writeFile(path, image);
    lines.push(JSON.stringify({ ...prompt, images: [relative(dirname(values.out), path)] }));
  }
  await writeFile(values.out, `${lines.join("\n")}\n`);
  process.stderr.write(`wrote ${count} simulated seed prompts to ${values.out}\n`);
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 2;
}
