import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { fineTunedAccuracy, simulateTraining } from "../../sim/sim-fine-tune.ts";
import { flawedRewrite, soundResponse } from "../../sim/sim-generator.ts";
import { renderPairwisePrompt } from "../../src/core/pairwise-template.ts";

/** A training example whose verdict is right (names the sound response) or wrong. */
function example(index: number, right: boolean) {
  const sound = soundResponse(`Describe photo ${index}.`, index);
  const flawed = flawedRewrite(sound, index).text;
  const soundFirst = index % 2 === 0;
  const messages = renderPairwisePrompt({
    question: `Describe photo ${index}.`,
    images: [],
    slotA: soundFirst ? sound : flawed,
    slotB: soundFirst ? flawed : sound,
    mode: "reasoned",
  });
  const better = soundFirst ? "A" : "B";
  const verdict = right ? better : better === "A" ? "B" : "A";
  return {
    messages: [
      ...messages,
      { role: "assistant", content: [{ type: "text", text: `Reasons.\n[[${verdict}]]` }] },
    ],
  };
}

t.test(
  "the accuracy function: clean labels help, noise is neutral, wrong labels hurt",
  async (t) => {
    t.ok(fineTunedAccuracy(0.7, 5_000, 1) > 0.7);
    t.equal(fineTunedAccuracy(0.7, 5_000, 0.5), 0.7);
    t.ok(fineTunedAccuracy(0.7, 5_000, 0.2) < 0.7);
    t.ok(
      fineTunedAccuracy(0.7, 5_000, 0.95) > fineTunedAccuracy(0.7, 500, 0.95),
      "more data, more effect",
    );
    t.ok(
      fineTunedAccuracy(0.7, 5_000, 0.95) > fineTunedAccuracy(0.7, 5_000, 0.8),
      "cleaner, better",
    );
    t.ok(fineTunedAccuracy(0.98, 1e9, 1) <= 0.99, "bounded");
  },
);

t.test("label precision is measured against the sim's hidden truth", async (t) => {
  const examples = Array.from({ length: 40 }, (_, i) => example(i, i % 4 !== 0));
  const outcome = simulateTraining(examples, 0.7);
  t.equal(outcome.examples, 40);
  t.equal(outcome.labelPrecision, 0.75);
  t.equal(outcome.accuracy, fineTunedAccuracy(0.7, 40, 0.75));
});

t.test("jurist sim fine-tune writes an adapter the parent chain feeds into", async (t) => {
  const dir = t.testdir();
  const dataset = join(dir, "train.jsonl");
  writeFileSync(
    dataset,
    `${Array.from({ length: 200 }, (_, i) => JSON.stringify(example(i, true))).join("\n")}\n`,
  );
  const cli = new URL("../../bin/jurist.js", import.meta.url).pathname;
  const run = (output: string, init?: string) =>
    spawnSync(process.execPath, [
      cli,
      "sim",
      "fine-tune",
      "--dataset",
      dataset,
      "--output",
      output,
      "--base-accuracy",
      "0.7",
      ...(init ? ["--init", init] : []),
    ]);
  const first = run(join(dir, "iter-1"));
  t.equal(first.status, 0, first.stderr.toString());
  t.match(first.stdout.toString(), /\[simulated\] epoch 5\/5/);
  const one = JSON.parse(readFileSync(join(dir, "iter-1", "adapter.json"), "utf8"));
  t.equal(one.simulated, true);
  t.equal(one.label_precision, 1);
  t.equal(one.parent_accuracy, 0.7);
  t.ok(one.simulated_accuracy > 0.7);
  const second = run(join(dir, "iter-2"), join(dir, "iter-1"));
  t.equal(second.status, 0);
  const two = JSON.parse(readFileSync(join(dir, "iter-2", "adapter.json"), "utf8"));
  t.equal(two.parent_accuracy, one.simulated_accuracy, "the next iteration starts from the last");
  t.ok(two.simulated_accuracy > one.simulated_accuracy);
  const bad = spawnSync(process.execPath, [cli, "sim", "fine-tune", "--output", dir]);
  t.equal(bad.status, 2);
});
