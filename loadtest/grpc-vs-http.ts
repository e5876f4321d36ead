/**
 * Unary throughput and latency of the same verdicts over gRPC and over HTTP, in the same run:
 * HTTP (undici, JSON) is the baseline the gRPC figures are printed beside. One `jurist serve`
 * process (both transports, one runtime) in front of two zero-latency simulated replica
 * processes; both load generators run here, closed-loop, on the same inputs, in alternating
 * rounds so drift hits both. Prints a Markdown table, writes results/grpc-vs-http.json.
 * Run: npm run bench:grpc [-- --concurrency 16 --duration-ms 5000 --rounds 2 --mode reasoned]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serveGateway } from "../test/helpers/serve-process.ts";
import { spawnSim } from "../test/helpers/sim-process.ts";
import { progress, runBenchmark } from "./bench-scope.ts";
import { fixed, percentile } from "./latency-stats.ts";
import { cpuSeconds } from "./process-usage.ts";
import {
  closedLoop,
  grpcSender,
  httpSender,
  type LoadRun,
  type PairwiseInput,
  type UnarySender,
} from "./unary-load.ts";

const RUN_LIMIT_MS = 180_000;
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));
const SAME_VERDICT_CHECKS = 20;

const { values: args } = parseArgs({
  options: {
    concurrency: { type: "string", default: "16" },
    "duration-ms": { type: "string", default: "5000" },
    rounds: { type: "string", default: "2" },
    mode: { type: "string", default: "reasoned" },
  },
});
const CONCURRENCY = Number(args.concurrency);
const DURATION_MS = Number(args["duration-ms"]);
const ROUNDS = Number(args.rounds);
const MODE = args.mode === "fast" ? "fast" : "reasoned";

/** The i-th input: a distinct question and seed, so no two requests share a verdict. */
function input(index: number): PairwiseInput {
  return {
    question: `How many apples are in bowl number ${index}?`,
    responses: ["There are three red apples in the bowl.", "There are five green apples."],
    mode: MODE,
    seed: index,
  };
}

/** Inputs 0, 1, 2, … from `start`: each transport's round judges the same sequence. */
function inputsFrom(start: number): () => PairwiseInput {
  let index = start;
  return () => input(index++);
}

interface Measured {
  run: LoadRun;
  cpuSeconds: number;
}

async function measure(pid: number, send: UnarySender, start: number): Promise<Measured> {
  const cpuBefore = cpuSeconds(pid);
  const run = await closedLoop(send, inputsFrom(start), CONCURRENCY, DURATION_MS);
  return { run, cpuSeconds: cpuSeconds(pid) - cpuBefore };
}

interface Summary {
  verdicts: number;
  errors: Record<string, number>;
  throughput: number;
  p50: number;
  p99: number;
  /** Gateway CPU per verdict, ms. */
  cpuMs: number;
}

function summarise(phases: Measured[]): Summary {
  const results = phases.flatMap((phase) => phase.run.results);
  const ok = results.filter((result) => result.error === null);
  const errors: Record<string, number> = {};
  for (const result of results) {
    if (result.error) errors[result.error] = (errors[result.error] ?? 0) + 1;
  }
  const seconds = phases.reduce((sum, phase) => sum + phase.run.elapsedMs, 0) / 1000;
  const cpu = phases.reduce((sum, phase) => sum + phase.cpuSeconds, 0);
  const ms = ok.map((result) => result.ms);
  return {
    verdicts: ok.length,
    errors,
    throughput: ok.length / seconds,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    cpuMs: (cpu * 1000) / ok.length,
  };
}

/** Judges the same inputs over both transports; counts identical verdicts. */
async function sameVerdicts(http: UnarySender, grpc: UnarySender): Promise<number> {
  let same = 0;
  for (let index = 0; index < SAME_VERDICT_CHECKS; index++) {
    const [a, b] = await Promise.all([http(input(1e6 + index)), grpc(input(1e6 + index))]);
    if (a.verdict && JSON.stringify(a.verdict) === JSON.stringify(b.verdict)) same++;
  }
  return same;
}

function render(http: Summary, grpc: Summary): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const errors = (s: Summary) =>
    Object.entries(s.errors)
      .map(([code, count]) => `${count} ${code}`)
      .join(", ") || "0";
  const row = (name: string, s: Summary) =>
    line([
      name,
      String(s.verdicts),
      errors(s),
      fixed(s.throughput),
      fixed(s.p50, 2),
      fixed(s.p99, 2),
      fixed(s.cpuMs, 2),
    ]);
  const ratio = (a: number, b: number) => `${fixed(a / b, 2)}×`;
  return [
    line([
      "Transport",
      "Verdicts",
      "Errors",
      "Verdicts/s",
      "p50 ms",
      "p99 ms",
      "Gateway CPU ms/verdict",
    ]),
    line(["---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    row("HTTP/1.1 + JSON, undici (baseline)", http),
    row("gRPC + protobuf, grpc-js", grpc),
    line([
      "gRPC ÷ HTTP",
      "",
      "",
      ratio(grpc.throughput, http.throughput),
      ratio(grpc.p50, http.p50),
      ratio(grpc.p99, http.p99),
      ratio(grpc.cpuMs, http.cpuMs),
    ]),
  ].join("\n");
}

await runBenchmark(RUN_LIMIT_MS, async (scope) => {
  progress("starting 2 simulated replicas (0 ms latency) and jurist serve");
  // One seed for both: replicas with different seeds disagree, and routing may pick either.
  const sims = await Promise.all(
    [0, 1].map(() => spawnSim(scope, ["--seed", "0", "--latency-ms", "0"])),
  );
  // HTTP sheds on event-loop delay, gRPC does not: serveGateway turns shedding off for both.
  const gateway = await serveGateway(scope, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
  });
  const pid = gateway.pid;
  const http = httpSender(gateway.url, CONCURRENCY);
  const grpc = grpcSender(gateway.grpcAddress);
  scope.teardown(() => http.close());
  scope.teardown(() => grpc.close());

  const same = await sameVerdicts(http.send, grpc.send);
  progress(`same input and seed, both transports: ${same}/${SAME_VERDICT_CHECKS} identical`);
  progress("warming up both transports");
  await closedLoop(http.send, inputsFrom(2e6), CONCURRENCY, 2_000);
  await closedLoop(grpc.send, inputsFrom(2e6), CONCURRENCY, 2_000);

  const phases = { http: [] as Measured[], grpc: [] as Measured[] };
  for (let round = 0; round < ROUNDS; round++) {
    const start = 3e6 + round * 1e5;
    progress(`round ${round + 1}/${ROUNDS}: HTTP, ${CONCURRENCY}-way, ${DURATION_MS} ms`);
    phases.http.push(await measure(pid, http.send, start));
    progress(`round ${round + 1}/${ROUNDS}: gRPC, ${CONCURRENCY}-way, ${DURATION_MS} ms`);
    phases.grpc.push(await measure(pid, grpc.send, start));
  }
  const summary = { http: summarise(phases.http), grpc: summarise(phases.grpc) };
  const report = [
    `## gRPC vs HTTP, unary pairwise verdicts (${MODE} mode, 2 zero-latency simulated replicas, ` +
      `${CONCURRENCY}-way closed loop, ${ROUNDS} × ${DURATION_MS / 1000} s per transport, node ${process.version})`,
    "",
    render(summary.http, summary.grpc),
    "",
    `Same input and seed over both transports: ${same}/${SAME_VERDICT_CHECKS} identical verdicts.`,
  ].join("\n");
  process.stdout.write(`${report}\n`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}grpc-vs-http.json`;
  const json = {
    at: new Date().toISOString(),
    node: process.version,
    settings: { concurrency: CONCURRENCY, durationMs: DURATION_MS, rounds: ROUNDS, mode: MODE },
    sameVerdicts: { identical: same, checked: SAME_VERDICT_CHECKS },
    summary,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  progress(`wrote ${file}`);
});
