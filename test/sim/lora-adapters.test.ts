import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { flawedRewrite, soundResponse } from "../../sim/sim-generator.ts";
import type { SimServer } from "../../sim/sim-server.ts";
import { chat, get, judgeMessages, mapLimit, post, startSim } from "./sim-client.ts";

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "jurist-sim-lora-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function adapterDir(root: string, name: string, config?: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  if (config !== undefined) await writeFile(join(dir, "adapter.json"), JSON.stringify(config));
  return dir;
}

/** Share of 200 sound-vs-flawed pairs (better in slot A) a model gets right. */
async function accuracyOf(sim: SimServer, model: string): Promise<number> {
  const verdicts = await mapLimit(
    Array.from({ length: 200 }, (_, i) => i),
    16,
    async (i) => {
      const better = soundResponse("Describe the image.", `lora-${i}`);
      const messages = judgeMessages(better, flawedRewrite(better, i).text, "fast");
      const result = await chat(sim, { model, messages, guided_choice: ["A", "B"] });
      return result.json.choices[0].message.content === "A";
    },
  );
  return verdicts.filter(Boolean).length / verdicts.length;
}

t.test("load, list, judge with, and unload adapters", async (t) => {
  const sim = await startSim(t, { accuracy: 0.6, positionBias: 0 });
  const root = await tempDir(t);
  const good = await adapterDir(root, "good", { simulated_accuracy: 0.97 });
  const plain = await adapterDir(root, "plain");
  const load = (lora_name: string, lora_path: string) =>
    post(`${sim.url}/v1/load_lora_adapter`, { lora_name, lora_path });

  const loaded = await load("ckpt-good", good);
  t.equal(loaded.status, 200);
  t.equal(loaded.text, "Success: LoRA adapter 'ckpt-good' added successfully.");
  t.equal((await load("ckpt-plain", plain)).status, 200);
  const again = await load("ckpt-good", good);
  t.equal(again.status, 400);
  t.match(again.json, { error: { message: /already been loaded/, type: "BadRequestError" } });
  t.equal((await load("jurist-sim-judge", good)).status, 400, "the base model's name is taken");

  const models = await get(`${sim.url}/v1/models`);
  t.match(models.json.data, [
    { id: "jurist-sim-judge", parent: null, simulated: true },
    { id: "ckpt-good", parent: "jurist-sim-judge", root: good, simulated: true },
    { id: "ckpt-plain", parent: "jurist-sim-judge", simulated: true },
  ]);

  const base = await accuracyOf(sim, "jurist-sim-judge");
  const tuned = await accuracyOf(sim, "ckpt-good");
  const inherited = await accuracyOf(sim, "ckpt-plain");
  t.ok(Math.abs(base - 0.6) < 0.1, `base ${base}`);
  t.ok(tuned > 0.9, `adapter with simulated_accuracy 0.97: ${tuned}`);
  t.ok(Math.abs(inherited - 0.6) < 0.1, `adapter without adapter.json inherits: ${inherited}`);
  const answered = await chat(sim, { model: "ckpt-good", messages: judgeMessages("a", "b") });
  t.equal(answered.json.model, "ckpt-good");

  const unloaded = await post(`${sim.url}/v1/unload_lora_adapter`, { lora_name: "ckpt-good" });
  t.equal(unloaded.status, 200);
  t.match(unloaded.text, /removed successfully/);
  const gone = await post(`${sim.url}/v1/unload_lora_adapter`, { lora_name: "ckpt-good" });
  t.equal(gone.status, 404);
  t.match(gone.json, { error: { type: "NotFoundError", code: 404 } });
  const afterUnload = await chat(sim, { model: "ckpt-good", messages: judgeMessages("a", "b") });
  t.equal(afterUnload.status, 404);
});

t.test("adapter paths and bodies that cannot load", async (t) => {
  const sim = await startSim(t);
  const root = await tempDir(t);
  const load = (body: unknown) => post(`${sim.url}/v1/load_lora_adapter`, body);
  const missing = await load({ lora_name: "x", lora_path: join(root, "missing") });
  t.equal(missing.status, 404);
  t.match(missing.json, { error: { message: /No adapter found/, type: "NotFoundError" } });
  t.equal((await load({ lora_name: "x" })).status, 400);
  t.equal((await load({ lora_name: "", lora_path: root })).status, 400);
  const badAccuracy = await adapterDir(root, "bad", { simulated_accuracy: 1.5 });
  const rejected = await load({ lora_name: "bad", lora_path: badAccuracy });
  t.equal(rejected.status, 400);
  t.match(rejected.json.error.message, /simulated_accuracy/);
  const file = join(root, "adapter-file.json");
  await writeFile(file, JSON.stringify({ simulated_accuracy: 0.5 }));
  t.equal((await load({ lora_name: "from-file", lora_path: file })).status, 200);
  t.equal((await post(`${sim.url}/v1/unload_lora_adapter`, {})).status, 400);
});
