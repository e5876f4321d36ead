import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { createStores } from "../../../src/store/create-stores.ts";
import type { TrainingExample } from "../../../trainer/core/training-example.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { train } from "../../../trainer/pipeline/train-command.ts";
import type { IntakePrompt } from "../../../trainer/stages/intake-sink.ts";
import type { JudgeRecord } from "../../../trainer/stages/judge-filter.ts";
import { startSims } from "../../helpers/gateway.ts";
import { trainerConfig } from "../../helpers/trainer-config.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

const logger = pino({ level: "silent" });

const configFor = async (dataDir: string, backends: string, env: Record<string, string> = {}) =>
  trainerConfig(dataDir, backends, env);

const json = async (path: string) => JSON.parse(await readFile(path, "utf8"));

/** A 1×1 PNG: no seed prompt shares it, so the contamination guard drops none. */
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

/** A small benchmark in Jurist's own format, written without the simulator's help. */
async function writeTinyBench(dir: string, n: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "pixel.png"), PIXEL);
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `tiny-${i}`,
      question: `Describe picture ${i} of the benchmark.`,
      images: ["pixel.png"],
      chosen: `A single dark pixel, number ${i}.`,
      rejected: `Three red cups on a wooden table, number ${i}.`,
      category: i % 2 ? "General" : "Detail",
    }),
  );
  const file = join(dir, "tiny.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

/** Every prompt id an iteration took in (trained on or held out). */
async function promptIds(dir: string): Promise<Set<string>> {
  const train = await readRecords<IntakePrompt>(join(dir, "intake.jsonl"));
  const held = await readRecords<IntakePrompt>(join(dir, "holdout.jsonl"));
  return new Set([...train, ...held].map((p) => p.id));
}

const overlap = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x));

t.test(
  "judge previous: iteration 2 is judged by and trained from iteration 1's candidate, on fresh prompts, and each candidate is evaluated",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 60);
    const bench = await writeTinyBench(join(dir, "bench"), 6);
    const sims = await startSims(t, 2, { seed: 0 });
    const config = await configFor(join(dir, "data"), sims.map((s) => s.url).join(","), {
      JURIST_BENCHMARKS: `tiny=jurist:${bench}`,
    });
    const [first, second] = await train(config, logger, {
      iterations: 2,
      seedPrompts: [seeds],
      judge: "previous",
      promptsPerIteration: 30,
    });
    t.ok(first && second);
    const champion = first!.judge;
    t.equal(first!.init, null, "iteration 1 starts from the base model");
    t.equal(second!.judge, first!.candidate, "iteration 2 is judged by iteration 1's candidate");
    t.equal(second!.init, first!.candidate, "and fine-tuned from it");

    const m1 = await json(first!.manifestPath);
    const m2 = await json(second!.manifestPath);
    t.equal(m1.meta.judgeCheckpoint, champion);
    t.equal(m1.meta.initCheckpoint, null);
    t.equal(m2.meta.judgeCheckpoint, first!.candidate, "manifest 2 names the judge");
    t.equal(m2.meta.initCheckpoint, first!.candidate, "manifest 2 names the init");
    t.same(m2.meta.policy, {
      filter: "both-orders",
      labels: "synthetic",
      closedLabels: "majority",
    });

    const judged2 = await readRecords<JudgeRecord>(join(second!.dir, "judge.jsonl"));
    t.ok(judged2.length > 0);
    t.ok(
      judged2.every((r) => r.judgeCheckpoint === first!.candidate),
      "every pair of iteration 2 was judged by the candidate (its adapter was loaded)",
    );
    const examples2 = await readRecords<TrainingExample>(second!.datasetPath);
    t.ok(examples2.length > 0);
    t.ok(
      examples2.every(
        (e) =>
          e.lineage.judgeCheckpoint === first!.candidate &&
          e.lineage.initCheckpoint === first!.candidate &&
          e.lineage.iteration === 2,
      ),
      "every example's lineage names judge and init",
    );
    const examples1 = await readRecords<TrainingExample>(first!.datasetPath);
    t.ok(examples1.every((e) => e.lineage.initCheckpoint === null));

    const prompts1 = await promptIds(first!.dir);
    const prompts2 = await promptIds(second!.dir);
    t.equal(prompts1.size, 30, "iteration 1 took its slice of 30");
    t.equal(prompts2.size, 30, "iteration 2 took its slice of 30");
    t.same(overlap(prompts1, prompts2), [], "the slices are disjoint");
    const pairs = async (path: string) =>
      new Set((await readRecords<JudgeRecord>(path)).map((r) => r.id));
    t.same(
      overlap(
        await pairs(join(first!.dir, "judge.jsonl")),
        await pairs(join(second!.dir, "judge.jsonl")),
      ),
      [],
      "no pair is judged twice",
    );

    const stores = await createStores(config, logger);
    t.teardown(() => stores.close());
    t.match(await stores.registry.get(first!.candidate), {
      init: null,
      judge: champion,
      parent: null,
    });
    t.match(await stores.registry.get(second!.candidate), {
      init: first!.candidate,
      judge: first!.candidate,
      parent: first!.candidate,
    });

    for (const result of [first!, second!]) {
      t.equal(result.evalReportPath, join(result.dir, "eval", "summary.json"));
      const summary = await json(result.evalReportPath!);
      t.equal(summary.candidate, result.candidate);
      t.equal(summary.evaluations.length, 1);
      const report = await json(join(result.dir, "eval", "tiny", "report.json"));
      t.equal(report.meta.checkpoint, result.candidate, "the candidate was evaluated");
      t.equal(report.meta.benchmark, "tiny");
      t.equal(report.failed, 0, "its adapter was loaded: no item failed");
      t.equal(report.judged + report.skipped, 6, "every item accounted for");
      t.ok(existsSync(join(result.dir, "eval", "tiny", "report.md")), "the markdown report too");
    }
  },
);

t.test("judge champion keeps the champion as every iteration's judge", async (t) => {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 40);
  const sims = await startSims(t, 2, { seed: 0 });
  const config = await configFor(join(dir, "data"), sims.map((s) => s.url).join(","));
  const [first, second] = await train(config, logger, {
    iterations: 2,
    seedPrompts: [seeds],
    judge: "champion",
    promptsPerIteration: 20,
    evaluate: false,
  });
  t.equal(second!.judge, first!.judge, "the same champion judges both");
  t.not(second!.judge, first!.candidate);
  t.equal(second!.init, first!.candidate, "init is the previous iteration's checkpoint");
  t.equal((await json(second!.manifestPath)).meta.judgeCheckpoint, first!.judge);
  t.equal(first!.evalReportPath, undefined, "evaluation off");
  t.notOk(existsSync(join(first!.dir, "eval")));
});

t.test("an iteration resumed with other data choices is refused", async (t) => {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 10);
  const sims = await startSims(t, 1, { seed: 0 });
  const config = await configFor(join(dir, "data"), sims[0]!.url);
  const stop = new AbortController();
  await t.rejects(
    train(config, logger, {
      iterations: 1,
      seedPrompts: [seeds],
      evaluate: false,
      signal: stop.signal,
      onRecord: (stage) => {
        if (stage === "synthesize") stop.abort(new Error("test stop"));
      },
    }),
  );
  await t.rejects(
    train(config, logger, {
      iterations: 1,
      seedPrompts: [seeds],
      evaluate: false,
      policy: { filter: "none" },
    }),
    /iteration 1 was started with policy/,
  );
});

t.test("a seed slice past the end of the seed files fails before any stage", async (t) => {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 10);
  const sims = await startSims(t, 1, { seed: 0 });
  const config = await configFor(join(dir, "data"), sims[0]!.url);
  await t.rejects(
    train(config, logger, {
      iterations: 2,
      seedPrompts: [seeds],
      promptsPerIteration: 10,
      evaluate: false,
    }),
    /iteration 2 has no fresh seed prompts/,
  );
  t.notOk(existsSync(join(dir, "data", "trainer", "iteration-2")), "nothing of iteration 2");
});
