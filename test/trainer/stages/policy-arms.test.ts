import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pino } from "pino";
import type { Test } from "tap";
import t from "tap";
import type { Completion, CompletionRequest, JudgeEngine } from "../../../src/core/types.ts";
import { DEFAULT_IMAGE_BUDGET } from "../../../src/images/image-intake.ts";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";
import type { TrainingExample } from "../../../trainer/core/training-example.ts";
import { verdictTrace } from "../../../trainer/core/verdict-trace.ts";
import { openAppender } from "../../../trainer/io/jsonl-files.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import type { ClassifiedPrompt } from "../../../trainer/stages/classify.ts";
import { runDataset } from "../../../trainer/stages/dataset.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
  type IterationPolicy,
  requestSeed,
} from "../../../trainer/stages/iteration-context.ts";
import { type JudgeRecord, runJudgeFilter } from "../../../trainer/stages/judge-filter.ts";
import { runSynthesize, type SynthesisRecord } from "../../../trainer/stages/synthesize.ts";
import { samplePair, says } from "../fixtures.ts";
import { writeSeeds } from "../seed-files.ts";

const logger = pino({ level: "silent" });

/** The text of every message of a request, joined. */
function textOf(request: CompletionRequest): string {
  return request.messages
    .flatMap((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.map((p) => (typeof p === "string" ? p : p.type === "text" ? p.text : "")),
    )
    .join("\n");
}

/** An engine whose every session answers with `answer(request)` (n copies when n is set). */
function engineOf(answer: (request: CompletionRequest) => string[]): JudgeEngine {
  return {
    session: (checkpoint) => ({
      checkpoint: checkpoint ?? "model",
      replica: "stub",
      async complete(request) {
        return answer(request).map(
          (text): Completion => ({ text, tokens: null, finishReason: "stop" }),
        );
      },
    }),
  };
}

async function writeJsonl(path: string, records: unknown[]) {
  const out = await openAppender<unknown>(path);
  for (const record of records) out.add(record);
  await out.close();
}

function contextFor(
  dir: string,
  engine: JudgeEngine,
  policy: Partial<IterationPolicy> = {},
  extra: Partial<IterationContext> = {},
): IterationContext {
  return {
    iteration: 1,
    dir,
    seed: 0,
    engine,
    generator: "gen-model",
    judge: "judge-ckpt",
    init: "init-ckpt",
    policy: { ...DEFAULT_ITERATION_POLICY, ...policy },
    imageBudget: DEFAULT_IMAGE_BUDGET,
    concurrency: 2,
    logger,
    signal: new AbortController().signal,
    ...extra,
  };
}

/**
 * Four pairs the stub judge gets right in both orders (p0), only with the chosen response in
 * A (p1: it always says A), only in B (p2: always B), and in neither (p3).
 */
const VERDICTS: Record<string, { AB: "A" | "B"; BA: "A" | "B" }> = {
  p0: { AB: "A", BA: "B" },
  p1: { AB: "A", BA: "A" },
  p2: { AB: "B", BA: "B" },
  p3: { AB: "B", BA: "A" },
};

const pairs = Object.keys(VERDICTS).map((id) =>
  samplePair(id, { chosen: `Chosen answer of ${id}.`, rejected: `Rejected answer of ${id}.` }),
);

const judge = engineOf((request) => {
  const text = textOf(request);
  const pair = pairs.find((p) => text.includes(p.chosen))!;
  const order = text.indexOf(pair.chosen) < text.indexOf(pair.rejected) ? "AB" : "BA";
  return [says(VERDICTS[pair.promptId]![order], `Reasoning about ${pair.promptId} ${order}.`)];
});

/** Runs judge filter and dataset over the four pairs under `policy`. */
async function arm(t: Test, policy: Partial<IterationPolicy>) {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 1);
  const line = JSON.parse((await readFile(seeds, "utf8")).trim());
  const image = join(dirname(seeds), line.images[0]);
  await writeJsonl(
    join(dir, "synthesize.jsonl"),
    pairs.map((pair) => ({
      id: pair.promptId,
      outcome: "pair",
      cls: { kind: "open", rule: "default" },
      pair,
      imagePaths: [image],
    })),
  );
  const ctx = contextFor(dir, judge, policy);
  await runJudgeFilter(ctx);
  const { datasetPath, manifestPath } = await runDataset(ctx, {
    holdoutFraction: 0,
    benchmarkItems: 0,
  });
  return {
    judged: await readRecords<JudgeRecord>(join(dir, "judge.jsonl")),
    examples: await readRecords<TrainingExample>(datasetPath),
    manifest: JSON.parse(await readFile(manifestPath, "utf8")),
  };
}

const key = (e: TrainingExample) => `${e.lineage.promptId}/${e.lineage.order}`;
const target = (e: TrainingExample) => {
  const part = e.messages.at(-1)!.content.at(-1)!;
  return part.type === "text" ? part.text : "";
};

t.test("both orders (the default) keeps only the pair right in both orders", async (t) => {
  const { examples, manifest } = await arm(t, {});
  t.same(examples.map(key), ["p0/AB", "p0/BA"]);
  t.same(manifest.meta.policy, DEFAULT_ITERATION_POLICY);
  t.equal(manifest.meta.initCheckpoint, "init-ckpt");
  t.ok(examples.every((e) => e.lineage.initCheckpoint === "init-ckpt"));
});

t.test(
  "ab-only keeps pairs right in AB whatever BA said, and trains on what the judge said in each order",
  async (t) => {
    const { judged, examples, manifest } = await arm(t, { filter: "ab-only" });
    t.equal(judged.length, 4);
    t.ok(
      judged.every((r) => r.judgements.length === 2),
      "the judge still judged both orders",
    );
    t.same(
      examples.map(key).sort(),
      ["p0/AB", "p0/BA", "p1/AB", "p1/BA"],
      "p1 (always A) is kept too; p2 and p3 (wrong in AB) are not",
    );
    const labels = Object.fromEntries(examples.map((e) => [key(e), target(e).slice(-5)]));
    t.same(
      labels,
      { "p0/AB": "[[A]]", "p0/BA": "[[B]]", "p1/AB": "[[A]]", "p1/BA": "[[A]]" },
      "BA's target is what the judge said there: p1's lapse to A becomes a label",
    );
    t.equal(
      examples.find((e) => key(e) === "p1/BA")!.lineage.flipped,
      true,
      "a target naming the rejected response is marked",
    );
    t.equal(manifest.meta.filter.keep, "ab-only");
    t.equal(manifest.meta.filter.balanced, false);
  },
);

t.test(
  "none keeps every pair; the judge's trace where it agrees, else the bare marker",
  async (t) => {
    const { judged, examples, manifest } = await arm(t, { filter: "none" });
    t.ok(judged.every((r) => r.kept));
    t.same(examples.map(key).sort(), [
      "p0/AB",
      "p0/BA",
      "p1/AB",
      "p1/BA",
      "p2/AB",
      "p2/BA",
      "p3/AB",
      "p3/BA",
    ]);
    for (const example of examples) {
      const { promptId, order } = example.lineage;
      const want = order === "AB" ? "A" : "B";
      const agreed = VERDICTS[promptId]![order] === want;
      const expected = agreed
        ? verdictTrace(says(want, `Reasoning about ${promptId} ${order}.`))!.trace
        : `[[${want}]]`;
      t.equal(target(example), expected, `${promptId} ${order}: ${agreed ? "trace" : "bare"}`);
    }
    t.equal(manifest.stages.examples.total, 8);
    t.equal(manifest.skips.trace.bare_marker.total, 4, "bare markers counted");
  },
);

t.test("flipped reverses every label and leaves every prompt as it was", async (t) => {
  const plain = await arm(t, { filter: "none" });
  const flipped = await arm(t, { filter: "none", labels: "flipped" });
  t.equal(flipped.examples.length, plain.examples.length);
  flipped.examples.forEach((example, i) => {
    const original = plain.examples[i]!;
    t.equal(key(example), key(original));
    const was = target(original).at(-3);
    const now = target(example).at(-3);
    t.equal(now, was === "A" ? "B" : "A", `${key(example)}: ${was} became ${now}`);
    t.equal(target(example).slice(0, -5), target(original).slice(0, -5), "reasoning unchanged");
    t.same(example.messages.slice(0, -1), original.messages.slice(0, -1), "prompt unchanged");
    t.equal(example.lineage.flipped, true);
  });
  t.equal(flipped.manifest.meta.policy.labels, "flipped");
});

const QUESTION = "How many cups are on the table? Answer with a number.";

/** Synthesizes one closed prompt whose 16 samples answer 3 (ten times) or 4 (six times). */
async function synthesizeClosed(
  t: Test,
  policy: Partial<IterationPolicy>,
  goldAnswer?: IterationContext["goldAnswer"],
) {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 1);
  const line = JSON.parse((await readFile(seeds, "utf8")).trim());
  const cls = classifyQuestion(QUESTION);
  t.equal(cls.kind, "closed");
  const prompt: ClassifiedPrompt = {
    id: "closed-1",
    question: QUESTION,
    images: [join(dirname(seeds), line.images[0])],
    imageHashes: ["b".repeat(64)],
    source: "seed",
    cls,
  };
  await writeJsonl(join(dir, "classify.jsonl"), [prompt]);
  const samples = [
    ...Array.from({ length: 10 }, (_, i) => `I count them (${i}).\nAnswer: 3`),
    ...Array.from({ length: 6 }, (_, i) => `Looking again (${i}).\nAnswer: 4`),
  ];
  const asked: string[] = [];
  const generator = engineOf(() => samples);
  await runSynthesize(
    contextFor(dir, generator, policy, {
      goldAnswer: goldAnswer
        ? (question, images) => {
            asked.push(`${question} (${images.length} image)`);
            return goldAnswer(question, images);
          }
        : undefined,
    }),
  );
  const [record] = await readRecords<SynthesisRecord>(join(dir, "synthesize.jsonl"));
  return { record: record!, asked };
}

t.test("majority labels (the default) choose the majority answer", async (t) => {
  const { record } = await synthesizeClosed(t, {});
  t.equal(record.outcome, "pair");
  if (record.outcome !== "pair") return;
  t.match(record.pair.chosen, /Answer: 3$/);
  t.equal(record.pair.recipe, "majority_vote");
});

t.test("gold labels choose a sample giving the gold answer, even a minority one", async (t) => {
  const { record, asked } = await synthesizeClosed(t, { closedLabels: "gold" }, () => "4");
  t.same(asked, [`${QUESTION} (1 image)`], "the gold answer was asked with the prompt's images");
  t.equal(record.outcome, "pair");
  if (record.outcome !== "pair") return;
  t.match(record.pair.chosen, /Answer: 4$/, "chosen gives the gold answer");
  t.match(record.pair.rejected, /Answer: 3$/, "rejected gives another");
  t.equal(record.pair.recipe, "gold_answer");
  t.equal(record.gold, "4");
});

t.test("gold labels skip a prompt no sample answers right, or with no gold answer", async (t) => {
  const none = await synthesizeClosed(t, { closedLabels: "gold" }, () => "7");
  t.match(none.record, { outcome: "skip", reason: "no_gold_sample" });
  const unknown = await synthesizeClosed(t, { closedLabels: "gold" }, () => null);
  t.match(unknown.record, { outcome: "skip", reason: "no_gold_answer" });
});

t.test("request seeds differ between iterations for the same item", async (t) => {
  const one = requestSeed({ seed: 0, iteration: 1 }, "prompt-1", "closed");
  const two = requestSeed({ seed: 0, iteration: 2 }, "prompt-1", "closed");
  t.not(one, two);
  t.equal(one, requestSeed({ seed: 0, iteration: 1 }, "prompt-1", "closed"), "and are stable");
});
