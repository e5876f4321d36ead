import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { checkpointKind } from "../../../trainer/stages/register.ts";

async function dirWith(root: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

t.test("the registered kind follows what the fine-tune wrote", async (t) => {
  const root = t.testdir();
  t.equal(
    await checkpointKind(await dirWith(root, "peft", { "adapter_config.json": "{}" })),
    "lora",
  );
  t.equal(await checkpointKind(await dirWith(root, "sim", { "adapter.json": "{}" })), "lora");
  t.equal(await checkpointKind(await dirWith(root, "model", { "config.json": "{}" })), "full");
  t.equal(
    await checkpointKind(
      await dirWith(root, "stated", {
        "config.json": "{}",
        "jurist-fine-tune.json": '{"kind":"lora"}',
      }),
    ),
    "lora",
    "jurist-fine-tune.json wins over file names",
  );
  await t.rejects(
    checkpointKind(await dirWith(root, "empty", {})),
    /neither a LoRA adapter nor a model/,
  );
});
