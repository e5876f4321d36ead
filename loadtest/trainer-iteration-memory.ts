/**
 * What one iteration holds in memory per prompt: the stages read whole stage files into
 * memory (`readRecords`) and keep every record they write (`RecordJournal.records`), so a
 * stage's peak grows with the iteration's prompts. Builds N records of each stage's kind
 * (with the trainer's own example builder), at response and reasoning lengths given in
 * characters, writes them as a stage file, reads it back as the stages do, and measures the
 * heap it takes (gc before and after) against the file's bytes. Prints bytes per record and
 * the peak of the judge and dataset stages extrapolated to 100k prompts.
 * Run: node --expose-gc --import=tsx loadtest/trainer-iteration-memory.ts [-- --records 5000]
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GENERATOR_PROMPT_VERSION } from "../src/core/generator-prompts.ts";
import { classifyQuestion } from "../trainer/core/question-classifier.ts";
import { pairIdOf, type SyntheticPair } from "../trainer/core/synthetic-pair.ts";
import { buildTrainingExample } from "../trainer/core/training-example.ts";
import { readRecords } from "../trainer/io/record-journal.ts";
import type { ClassifiedPrompt } from "../trainer/stages/classify.ts";
import type { JudgeRecord } from "../trainer/stages/judge-filter.ts";
import type { SynthesisRecord } from "../trainer/stages/synthesize.ts";
import { fixed, mebibytes } from "./latency-stats.ts";

const { values: args } = parseArgs({ options: { records: { type: "string", default: "5000" } } });
const N = Number(args.records);
const PROMPTS = 100_000;

/** Response and reasoning lengths, characters (about 4 per token in English). */
const SCENARIOS = [
  { name: "short (simulator-like)", response: 120, reasoning: 160 },
  { name: "typical 7B (~300-token answers and reasoning)", response: 1_200, reasoning: 1_200 },
  { name: "at the limits (1,024 tokens each)", response: 4_000, reasoning: 4_000 },
];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const words = (chars: number, seed: number) =>
  Array.from({ length: Math.ceil(chars / 6) }, (_, i) => `w${(i * 7 + seed) % 997}`)
    .join(" ")
    .slice(0, chars);

function records(response: number, reasoning: number) {
  const classified: ClassifiedPrompt[] = [];
  const synthesized: SynthesisRecord[] = [];
  const judged: JudgeRecord[] = [];
  for (let i = 0; i < N; i++) {
    const id = `col_${i.toString(36).padStart(8, "0")}`;
    const image = `/var/lib/jurist/blobs/${(i * 2654435761).toString(16).padStart(16, "0")}.png`;
    const hash = (i * 40503).toString(16).padStart(64, "0");
    const question = `What is happening in this picture, and how many people are there? (${i})`;
    classified.push({
      id,
      question,
      images: [image],
      imageHashes: [hash],
      source: "stream",
      cls: classifyQuestion(question),
    });
    const chosen = words(response, i);
    const rejected = words(response, i + 1);
    const pair: SyntheticPair = {
      pairId: pairIdOf(id, chosen, rejected),
      promptId: id,
      question,
      imageHashes: [hash],
      chosen,
      rejected,
      questionKind: "open",
      recipe: "error_injection",
      generator: "Qwen/Qwen2.5-VL-7B-Instruct",
      generatorPromptVersion: GENERATOR_PROMPT_VERSION,
    };
    synthesized.push({
      id,
      outcome: "pair",
      cls: classifyQuestion(question),
      pair,
      imagePaths: [image],
    });
    const trace = (slot: "A" | "B") => `${words(reasoning, i + 2)}\n[[${slot}]]`;
    const example = (order: "AB" | "BA") =>
      buildTrainingExample({
        pair,
        order,
        trace: trace(order === "AB" ? "A" : "B"),
        imagePaths: [image],
        judgeCheckpoint: "jurist-judge-it1-0123abcd",
        initCheckpoint: null,
        iteration: 1,
      });
    judged.push({
      id: pair.pairId,
      pair,
      imagePaths: [image],
      judgeCheckpoint: "jurist-judge-it1-0123abcd",
      judgements: [
        { order: "AB", completions: [trace("A")] },
        { order: "BA", completions: [trace("B")] },
      ],
      kept: true,
      examples: [example("AB"), example("BA")],
    });
  }
  return { classified, synthesized, judged };
}

/** Heap bytes per record of `path` read back as a stage reads it, and file bytes per record. */
async function perRecord(path: string): Promise<{ heap: number; file: number }> {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const held = await readRecords(path);
  gc!();
  const heap = process.memoryUsage().heapUsed - before;
  if (held.length !== N) throw new Error("short read");
  return { heap: heap / N, file: statSync(path).size / N };
}

const dir = mkdtempSync(join(tmpdir(), "jurist-iteration-memory-"));
try {
  const lines = [
    `trainer-iteration-memory: ${N} records per kind, node ${process.version}; heap after reading a stage file back (readRecords), extrapolated to ${PROMPTS.toLocaleString("en")} prompts`,
    "",
    "| Text lengths | classify record | synthesis record | judge record | judge stage peak at 100k | dataset stage peak at 100k |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const scenario of SCENARIOS) {
    const built = records(scenario.response, scenario.reasoning);
    const sizes: Record<string, { heap: number; file: number }> = {};
    for (const [name, list] of Object.entries(built)) {
      const path = join(dir, `${name}.jsonl`);
      const fd = openSync(path, "w");
      for (const record of list) writeSync(fd, `${JSON.stringify(record)}\n`);
      closeSync(fd);
      sizes[name] = await perRecord(path);
      rmSync(path);
    }
    const cell = (s: { heap: number; file: number }) =>
      `${fixed(s.heap / 1024, 1)} KiB (file ${fixed(s.file / 1024, 1)} KiB)`;
    // The judge filter holds every synthesis record and every judge record it writes; the
    // dataset stage the intake prompts, the synthesis and the judge records at once. Every
    // prompt is counted as a kept pair: the upper bound.
    const judgePeak = PROMPTS * (sizes.synthesized!.heap + sizes.judged!.heap);
    const datasetPeak =
      PROMPTS * (sizes.classified!.heap + sizes.synthesized!.heap + sizes.judged!.heap);
    lines.push(
      `| ${scenario.name}: ${scenario.response} / ${scenario.reasoning} chars | ${cell(sizes.classified!)} | ${cell(sizes.synthesized!)} | ${cell(sizes.judged!)} | ${mebibytes(judgePeak)} | ${mebibytes(datasetPeak)} |`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
