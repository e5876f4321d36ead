import { parseArgs } from "node:util";
import { SIM_BENCH_MAX_ROWS, SIM_BENCH_MIN_ROWS, writeSimBench } from "./sim-bench.ts";

export const MAKE_BENCH_USAGE =
  "usage: jurist sim make-bench --out DIR [--n N] [--seed S]\n" +
  "  writes SIMULATED benchmark files into DIR: vlrb.jsonl (VL-RewardBench JSONL format),\n" +
  "  mmrb.json (Multimodal RewardBench format), heldout.jsonl (Jurist JSONL, category\n" +
  `  synthetic), images/*.png and README.txt; N rows per file (default 300, ${SIM_BENCH_MIN_ROWS} to ${SIM_BENCH_MAX_ROWS})`;

/** Reads `jurist sim make-bench` flags: the options, or the first problem found. */
export function parseMakeBenchArgs(
  argv: string[],
): { out: string; n: number; seed: string } | string {
  let values: { out?: string; n?: string; seed?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: "string" }, n: { type: "string" }, seed: { type: "string" } },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  const n = values.n === undefined ? 300 : Number(values.n);
  if (!values.out) return "--out is required";
  if (!Number.isInteger(n) || n < SIM_BENCH_MIN_ROWS || n > SIM_BENCH_MAX_ROWS) {
    return `--n must be an integer from ${SIM_BENCH_MIN_ROWS} to ${SIM_BENCH_MAX_ROWS}`;
  }
  return { out: values.out, n, seed: values.seed ?? "0" };
}

/**
 * `jurist sim make-bench`: simulated benchmark files whose labels agree with the simulated
 * engine's world (each item's scene), for gates and tests without the real (non-commercial) benchmarks.
 * Prints the written paths to stdout, one per line; bad flags set exit code 2.
 */
export async function runMakeBenchCommand(argv: string[]): Promise<void> {
  const options = parseMakeBenchArgs(argv);
  if (typeof options === "string") {
    process.stderr.write(`jurist sim make-bench: ${options}\n${MAKE_BENCH_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const files = await writeSimBench(options.out, { n: options.n, seed: options.seed });
  process.stdout.write(`${files.vlrb}\n${files.mmrb}\n${files.heldout}\n`);
  process.stderr.write(
    `wrote SIMULATED benchmark files (${options.n} rows each, seed ${options.seed}) to ${options.out}\n`,
  );
}
