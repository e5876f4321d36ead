import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { judgeFromAdapter } from "../../sim/fine-tune-command.ts";
import { uniformSkills } from "../../sim/world/skills.ts";
import { BASE_JUDGE } from "../../sim/world/world-params.ts";
import { renderPairwisePrompt } from "../../src/core/pairwise-template.ts";
import { closedPair, resolvedImage, sceneFor, worldImage } from "../helpers/sim-world.ts";

/**
 * `jurist sim fine-tune` as a process: where its init judge comes from, what it refuses, and
 * what it counts as unreadable. How labels move the judge is in test/sim/world/learner.test.ts.
 */

const cli = new URL("../../bin/jurist.js", import.meta.url).pathname;

/** A dataset of reasoning questions about PNGs beside it, every verdict naming the right answer. */
function writeDataset(dir: string, n: number, broken = 0): string {
  mkdirSync(join(dir, "images"), { recursive: true });
  const lines = Array.from({ length: n }, (_, i) => {
    const image = worldImage(`fine-tune-${i}`);
    const path = `images/${i}.png`;
    if (i >= broken) writeFileSync(join(dir, path), image);
    const pair = closedPair(sceneFor([image], ""), "reasoning", `fine-tune-${i}`);
    const betterFirst = i % 2 === 0;
    const messages = renderPairwisePrompt({
      question: pair.question,
      images: [resolvedImage(image)],
      slotA: betterFirst ? pair.better : pair.worse,
      slotB: betterFirst ? pair.worse : pair.better,
      mode: "reasoned",
    }).map((m) => ({
      role: m.role,
      content:
        typeof m.content === "string"
          ? [{ type: "text", text: m.content }]
          : m.content.map((part) => (part.type === "text" ? part : { type: "image" })),
    }));
    const verdict = betterFirst ? "A" : "B";
    return JSON.stringify({
      messages: [...messages, { role: "assistant", content: `Reasons.\n[[${verdict}]]` }],
      images: [path],
    });
  });
  const file = join(dir, "train.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, "sim", "fine-tune", ...args], { encoding: "utf8" });
}

const adapterAt = (dir: string) => JSON.parse(readFileSync(join(dir, "adapter.json"), "utf8"));

t.test("judgeFromAdapter: simulated_judge, the shorthand, or nothing", async (t) => {
  const fallback = { skills: uniformSkills(0.5), positionBias: 0.3, lengthBias: 1 };
  t.same(
    judgeFromAdapter(
      { simulated_judge: { skills: { counting: 0.9 }, position_bias: 0.1 } },
      fallback,
    ),
    { skills: { ...uniformSkills(0.5), counting: 0.9 }, positionBias: 0.1, lengthBias: 1 },
    "missing fields fall back",
  );
  t.same(judgeFromAdapter({ simulated_accuracy: 0.8, simulated_position_bias: 0 }, fallback), {
    skills: uniformSkills(0.8),
    positionBias: 0,
    lengthBias: 1,
  });
  t.equal(judgeFromAdapter({ simulated: true }, fallback), null);
});

t.test("the init judge: --base-profile, --base-* flags, else --init's adapter", async (t) => {
  const dir = t.testdir();
  const dataset = writeDataset(join(dir, "data"), 60);
  const profile = join(dir, "base.json");
  const judge = {
    skills: BASE_JUDGE.skills,
    position_bias: BASE_JUDGE.positionBias,
    length_bias: BASE_JUDGE.lengthBias,
  };
  writeFileSync(profile, JSON.stringify({ simulated: true, simulated_judge: judge }));
  const fromProfile = run(
    "--dataset",
    dataset,
    "--output",
    join(dir, "p"),
    "--base-profile",
    profile,
  );
  t.equal(fromProfile.status, 0, fromProfile.stderr);
  const p = adapterAt(join(dir, "p"));
  t.same(p.init_judge, judge, "the base profile is the init");
  t.ok(p.simulated_judge.skills.reasoning > BASE_JUDGE.skills.reasoning, "reasoning learnt");
  t.equal(p.simulated_judge.skills.counting, BASE_JUDGE.skills.counting, "counting untouched");
  t.equal(p.init, null);

  const flags = [
    "--base-accuracy",
    "0.7",
    "--base-position-bias",
    "0.05",
    "--base-length-bias",
    "0.3",
  ];
  t.equal(run("--dataset", dataset, "--output", join(dir, "f"), ...flags).status, 0);
  t.same(adapterAt(join(dir, "f")).init_judge, {
    skills: uniformSkills(0.7),
    position_bias: 0.05,
    length_bias: 0.3,
  });

  const shorthand = join(dir, "short");
  mkdirSync(shorthand);
  writeFileSync(join(shorthand, "adapter.json"), JSON.stringify({ simulated_accuracy: 0.65 }));
  t.equal(
    run("--dataset", dataset, "--output", join(dir, "s"), "--init", shorthand, ...flags).status,
    0,
  );
  const s = adapterAt(join(dir, "s"));
  t.same(s.init_judge.skills, uniformSkills(0.65), "--init wins over the base flags");
  t.equal(s.init_judge.position_bias, 0.05, "the shorthand's missing bias falls back");
});

t.test("lines without a prompt, a verdict or their image are counted unreadable", async (t) => {
  const dir = t.testdir();
  const dataset = writeDataset(dir, 30, 4);
  writeFileSync(dataset, `${readFileSync(dataset, "utf8")}${JSON.stringify({ messages: [] })}\n`);
  const out = run("--dataset", dataset, "--output", join(dir, "out"), "--base-accuracy", "0.6");
  t.equal(out.status, 0, out.stderr);
  const adapter = adapterAt(join(dir, "out"));
  t.equal(adapter.examples, 26);
  t.equal(adapter.unreadable_examples, 5);
  t.match(out.stdout, /\[simulated\] adapter written to .*: 26 examples; .*reasoning 0\.60→0\.\d+/);
});

t.test("bad arguments exit 2 with the usage", async (t) => {
  const dir = t.testdir();
  for (const args of [
    ["--output", dir],
    ["--dataset", join(dir, "x.jsonl")],
    ["--dataset", "x", "--output", dir, "--epochs", "0"],
    ["--dataset", "x", "--output", dir, "--learning-rate", "-1"],
    ["--dataset", "x", "--output", dir, "--base-accuracy", "1.5"],
    ["--dataset", "x", "--output", dir, "--no-such-flag"],
  ]) {
    const bad = run(...args);
    t.equal(bad.status, 2, args.join(" "));
    t.match(bad.stderr, /usage: jurist sim fine-tune/);
  }
});
