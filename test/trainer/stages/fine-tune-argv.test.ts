import t from "tap";
import { fineTuneArgv } from "../../../trainer/stages/fine-tune.ts";

const values = { dataset: "/d/data.jsonl", output: "/d/ckpt", init: "", base_model: "m" };

t.test("placeholders are replaced and an empty {init} drops its flag", async (t) => {
  t.strictSame(
    fineTuneArgv(
      "node x.js --dataset {dataset} --output={output} --init {init} --base-model {base_model}",
      values,
    ),
    ["node", "x.js", "--dataset", "/d/data.jsonl", "--output=/d/ckpt", "--base-model", "m"],
  );
  t.strictSame(fineTuneArgv("run --init {init}", { ...values, init: "/prev" }), [
    "run",
    "--init",
    "/prev",
  ]);
});

t.test("an unknown placeholder or an empty template throws", async (t) => {
  t.throws(() => fineTuneArgv("run {epochs}", values), /unknown placeholder/);
  t.throws(() => fineTuneArgv("   ", values), /empty/);
});
