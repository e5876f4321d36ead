import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";

/** Writes `count` seed prompts and their images the way `jurist sim make-prompts` does. */
export async function writeSeeds(dir: string, count: number, seed = 7): Promise<string> {
  await mkdir(join(dir, "images"), { recursive: true });
  const lines: string[] = [];
  for (const { prompt, image } of makeSeedPrompts(count, seed)) {
    await writeFile(join(dir, "images", prompt.images[0]!), image);
    lines.push(JSON.stringify({ ...prompt, images: [`images/${prompt.images[0]}`] }));
  }
  const file = join(dir, "seeds.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}
