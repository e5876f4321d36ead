import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { normaliseQuestion } from "../../../trainer/core/contamination-guard.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { train } from "../../../trainer/pipeline/train-command.ts";
import type { IntakePrompt, IntakeSkip } from "../../../trainer/stages/intake-sink.ts";
import { startSims } from "../../helpers/gateway.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

t.test(
  "prompts matching a configured benchmark's images or questions are never trained on",
  async (t) => {
    const dir = t.testdir();
    const seedFile = await writeSeeds(dir, 30);
    const seeds = (await readFile(seedFile, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; question: string; images: string[] });
    const byImage = seeds[3]!;
    const byQuestion = seeds[8]!;
    // A Jurist-format benchmark: one item reuses a seed image file, one restates a seed
    // question in other case and punctuation, one is unrelated.
    const bench = join(dir, "bench.jsonl");
    const items = [
      {
        id: "b1",
        question: "What is unrelated here?",
        images: [byImage.images[0]],
        chosen: "x",
        rejected: "y",
        category: "general",
      },
      {
        id: "b2",
        question: `  ${byQuestion.question.toUpperCase()}!! `,
        images: [],
        chosen: "x",
        rejected: "y",
        category: "general",
      },
      {
        id: "b3",
        question: "Entirely different question?",
        images: [],
        chosen: "x",
        rejected: "y",
        category: "reasoning",
      },
    ];
    await writeFile(bench, `${items.map((item) => JSON.stringify(item)).join("\n")}\n`);

    const sims = await startSims(t, 1, { seed: 0 });
    const config = loadConfig({
      JURIST_BACKENDS: sims[0]!.url,
      JURIST_DATA_DIR: join(dir, "data"),
      JURIST_LOG_LEVEL: "silent",
      JURIST_BENCHMARKS: `mine=jurist:${bench}`,
    });
    const [result] = await train(config, pino({ level: "silent" }), {
      iterations: 1,
      seedPrompts: [seedFile],
    });

    const skips = await readRecords<IntakeSkip>(join(result!.dir, "intake-skips.jsonl"));
    const contaminated = skips.filter((skip) => skip.reason === "contaminated");
    const sameQuestion = seeds.filter(
      (seed) => normaliseQuestion(seed.question) === normaliseQuestion(byQuestion.question),
    );
    const expected = new Set([byImage.id, ...sameQuestion.map((seed) => seed.id)]);
    t.equal(contaminated.length, expected.size, `${expected.size} prompts dropped as contaminated`);
    for (const id of expected) {
      t.ok(
        contaminated.some((skip) => skip.detail.startsWith(`${id}:`)),
        `${id} dropped`,
      );
    }
    t.ok(
      contaminated.some((skip) => /: image matches jurist:/.test(skip.detail)),
      "an image match is named",
    );
    t.ok(
      contaminated.some((skip) => /question matches/.test(skip.detail)),
      "a question match is named",
    );

    const kept = [
      ...(await readRecords<IntakePrompt>(join(result!.dir, "intake.jsonl"))),
      ...(await readRecords<IntakePrompt>(join(result!.dir, "holdout.jsonl"))),
    ];
    t.equal(kept.length, seeds.length - expected.size, "every other prompt is taken");
    const dataset = await readRecords<{ lineage: { promptId: string } }>(result!.datasetPath);
    t.notOk(
      dataset.some((example) => expected.has(example.lineage.promptId)),
      "no example comes from them",
    );
    const manifest = JSON.parse(await readFile(result!.manifestPath, "utf8"));
    t.equal(manifest.skips.intake.contaminated.total, expected.size, "the manifest counts them");
    t.equal(manifest.meta.benchmarkItems, 3, "the manifest records the benchmark items checked");
  },
);
