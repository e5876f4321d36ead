import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { SimServer } from "../../sim/sim-server.ts";
import { describedPair, resolvedImage, sceneFor, worldImage } from "../helpers/sim-world.ts";
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

/** 200 pairs about their own images: a true description against one with a false claim. */
const PAIRS = Array.from({ length: 200 }, (_, i) => {
  const image = worldImage(`lora-${i}`);
  return { image, ...describedPair(sceneFor([image], ""), `lora-${i}`) };
});

/** Share of the pairs (better in slot A) a model gets right. */
async function accuracyOf(sim: SimServer, model: string): Promise<number> {
  const verdicts = await mapLimit(
    Array.from({ length: 200 }, (_, i) => i),
    16,
    async (i) => {
      const { image, better, worse } = PAIRS[i]!;
      const messages = judgeMessages(better, worse, "fast", "Describe the image.", [
        resolvedImage(image),
      ]);
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
  const skills = { counting: 0.97, attributes: 0.97, spatial: 0.97, text: 0.97 };
  const learnt = await adapterDir(root, "learnt", {
    simulated_judge: {
      skills: { ...skills, existence: 0.5, reasoning: 0.97, safety: 0.5 },
      position_bias: 0,
      length_bias: 0,
    },
  });
  const load = (lora_name: string, lora_path: string) =>
    post(`${sim.url}/v1/load_lora_adapter`, { lora_name, lora_path });

  const loaded = await load("ckpt-good", good);
  t.equal(loaded.status, 200);
  t.equal(loaded.text, "Success: LoRA adapter 'ckpt-good' added successfully.");
  t.equal((await load("ckpt-plain", plain)).status, 200);
  t.equal((await load("ckpt-learnt", learnt)).status, 200, "a fine-tune's simulated_judge loads");
  const again = await load("ckpt-good", good);
  t.equal(again.status, 400);
  t.match(again.json, { error: { message: /already been loaded/, type: "BadRequestError" } });
  t.equal((await load("jurist-sim-judge", good)).status, 400, "the base model's name is taken");

  const models = await get(`${sim.url}/v1/models`);
  t.match(models.json.data, [
    { id: "jurist-sim-judge", parent: null, simulated: true },
    { id: "ckpt-good", parent: "jurist-sim-judge", root: good, simulated: true },
    { id: "ckpt-plain", parent: "jurist-sim-judge", simulated: true },
    { id: "ckpt-learnt", parent: "jurist-sim-judge", simulated: true },
  ]);

  const base = await accuracyOf(sim, "jurist-sim-judge");
  const tuned = await accuracyOf(sim, "ckpt-good");
  const inherited = await accuracyOf(sim, "ckpt-plain");
  t.ok(Math.abs(base - 0.6) < 0.1, `base ${base}`);
  t.ok(tuned > 0.9, `adapter with simulated_accuracy 0.97: ${tuned}`);
  t.ok(Math.abs(inherited - 0.6) < 0.1, `adapter without adapter.json inherits: ${inherited}`);
  const judged = await accuracyOf(sim, "ckpt-learnt");
  t.ok(judged > 0.9, `adapter with simulated_judge (0.97 on description skills): ${judged}`);
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
  const judge = { skills: { counting: 0.9 }, position_bias: 0.1, length_bias: 0 };
  for (const [name, config, field] of [
    ["missing-skill", { simulated_judge: judge }, /simulated_judge.skills.attributes/],
    ["no-skills", { simulated_judge: { position_bias: 0.1 } }, /simulated_judge must be/],
    ["not-json", "{ nope", /cannot read/],
  ] as const) {
    const dir = join(root, name);
    await mkdir(dir);
    await writeFile(
      join(dir, "adapter.json"),
      typeof config === "string" ? config : JSON.stringify(config),
    );
    const refused = await load({ lora_name: name, lora_path: dir });
    t.equal(refused.status, 400, `${name}: ${refused.text}`);
    t.match(refused.json.error, { type: "BadRequestError", message: field });
  }
  const full = Object.fromEntries(
    ["counting", "attributes", "spatial", "text", "existence", "reasoning", "safety"].map((s) => [
      s,
      0.7,
    ]),
  );
  for (const [name, extra, field] of [
    ["bias", { position_bias: 1.5 }, /position_bias/],
    ["length", { length_bias: "long" }, /length_bias/],
    ["skill", { skills: { ...full, text: -0.1 } }, /skills.text/],
  ] as const) {
    const dir = await adapterDir(root, `judge-${name}`, {
      simulated_judge: { skills: full, position_bias: 0.1, length_bias: 0, ...extra },
    });
    const refused = await load({ lora_name: `judge-${name}`, lora_path: dir });
    t.equal(refused.status, 400, `${name}: ${refused.text}`);
    t.match(refused.json.error.message, field);
  }
  const fine = await adapterDir(root, "judge-fine", {
    simulated_judge: { skills: full, position_bias: 0.1, length_bias: 0.5 },
  });
  t.equal((await load({ lora_name: "judge-fine", lora_path: fine })).status, 200);
  const file = join(root, "adapter-file.json");
  await writeFile(file, JSON.stringify({ simulated_accuracy: 0.5 }));
  t.equal((await load({ lora_name: "from-file", lora_path: file })).status, 200);
  t.equal((await post(`${sim.url}/v1/unload_lora_adapter`, {})).status, 400);
});
