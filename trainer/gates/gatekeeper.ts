import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import { isShadowGate } from "../../src/config/gate-policy.ts";
import type { JudgeEngine } from "../../src/core/types.ts";
import type { Promotion } from "../../src/registry/promotion.ts";
import type { CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";
import type { ShadowStats } from "../../src/store/shadow-stats.ts";
import type { LoadResult } from "../eval/eval-item.ts";
import { evaluateCheckpoint } from "../eval/evaluate.ts";
import { loadBenchmark } from "../eval/load-benchmark.ts";
import { writeEvaluation } from "../eval/write-evaluation.ts";
import type { GateBenchmark } from "./gate-benchmarks.ts";
import { renderGateReport } from "./gate-report-markdown.ts";
import { type GateEvaluation, type GateReport, runGates } from "./run-gates.ts";

/** What a review decided. */
export type ReviewDecision = "promoted" | "rejected" | "held";

export interface Review {
  decision: ReviewDecision;
  report: GateReport;
  reportPath: string;
}

export interface GatekeeperOptions {
  config: Config;
  logger: Logger;
  engine: JudgeEngine;
  /** The replicas are in-process simulations. */
  simulated: boolean;
  registry: CheckpointRegistry;
  shadow: ShadowStats;
  promotion: Pick<Promotion, "stage" | "promote" | "reject">;
  benchmarks: readonly GateBenchmark[];
  /** Told each review's gate results and decision (metrics). */
  observe?: (review: Review) => void;
  signal?: AbortSignal;
}

/**
 * Reviews candidates: stages the candidate on every replica, points shadow traffic at it,
 * evaluates candidate and champion on every gate's benchmark (both orders of every item),
 * judges the gate policy, keeps the report with the checkpoint record, and then promotes
 * (every gate passed and JURIST_AUTO_PROMOTE), holds (passed, auto-promotion off) or rejects
 * (unloaded, status `rejected`). A candidate that cannot even be staged is rejected too.
 */
export function createGatekeeper(options: GatekeeperOptions) {
  const { config, logger, registry } = options;
  const settings = config.gates;
  const loaded = new Map<string, Promise<LoadResult>>();
  const byName = new Map(options.benchmarks.map((benchmark) => [benchmark.name, benchmark]));
  const simulated =
    options.simulated || options.benchmarks.some((benchmark) => benchmark.simulated);

  function load(benchmark: GateBenchmark): Promise<LoadResult> {
    let result = loaded.get(benchmark.name);
    if (!result) {
      result = loadBenchmark(benchmark.path, benchmark.format);
      loaded.set(benchmark.name, result);
    }
    return result;
  }

  // Evaluations are deterministic (temperature 0, a seed per item), so the champion judged for
  // one review need not be judged again for the next: kept per checkpoint and benchmark.
  const evaluations = new Map<string, Promise<GateEvaluation>>();
  function evaluateOnce(reportDir: string, checkpoint: string, name: string) {
    const key = `${checkpoint}\u0000${name}`;
    let evaluation = evaluations.get(key);
    if (!evaluation) {
      evaluation = evaluate(reportDir, checkpoint, name);
      evaluations.set(key, evaluation);
      evaluation.catch(() => evaluations.delete(key));
    }
    return evaluation;
  }

  async function evaluate(
    reportDir: string,
    checkpoint: string,
    name: string,
  ): Promise<GateEvaluation> {
    const benchmark = byName.get(name)!;
    const file = await load(benchmark);
    const run = await evaluateCheckpoint({
      engine: options.engine,
      checkpoint,
      items: file.items,
      concurrency: settings.concurrency,
      settings: config.judge,
      imageBudget: config.images,
      unparseable: settings.unparseable,
      seed: config.trainer.seed,
      bootstrap: { resamples: settings.bootstrapResamples, seed: config.trainer.seed },
      signal: options.signal,
      // A promotion waits on it: ahead of the trainer's bulk work, behind reward batches.
      work: "gate",
    });
    const failed = run.items.filter((item) => item.status === "failed");
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} items of ${name} failed on ${checkpoint}: ${failed[0]!.error}`,
      );
    }
    const dir = join(reportDir, name, checkpoint);
    await writeEvaluation(dir, run, {
      benchmark: name,
      file: benchmark.path,
      format: benchmark.format,
      simulated: simulated,
      rowsRead: file.rowsRead,
      malformed: file.malformed,
    });
    logger.info({ benchmark: name, checkpoint, overall: run.report.overall.accuracy }, "evaluated");
    return { scores: run.scores, report: run.report, dir };
  }

  /** Waits (up to JURIST_SHADOW_MAX_WAIT_MS) until the candidate has `minRequests` shadow verdicts. */
  async function shadowTally(candidate: string, minRequests: number) {
    const deadline = Date.now() + config.shadow.maxWaitMs;
    let counts = await options.shadow.counts(candidate);
    while (counts.requests < minRequests && Date.now() < deadline && !options.signal?.aborted) {
      await sleep(Math.min(1_000, config.shadow.maxWaitMs));
      counts = await options.shadow.counts(candidate);
    }
    return { requests: counts.requests, agreements: counts.agreements };
  }

  async function keep(candidate: string, report: GateReport): Promise<string> {
    const dir = join(config.dataDir, "reports", candidate);
    await mkdir(dir, { recursive: true });
    const path = join(dir, "gates.json");
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(dir, "gates.md"), renderGateReport(report));
    const record = await registry.get(candidate);
    if (record) {
      await registry.register({
        ...record,
        gateReport: path,
        gateSummary: {
          passed: report.passed,
          simulated: report.simulated,
          champion: report.champion,
          at: report.generatedAt,
          gates: report.gates.map(({ name, passed, reason }) => ({ name, passed, reason })),
        },
      });
    }
    return path;
  }

  async function review(candidate: string): Promise<Review> {
    const champion = await registry.champion();
    if (!champion) throw new Error("no champion to compare the candidate with");
    const reportDir = join(config.dataDir, "reports", candidate);
    const wantsShadow = settings.policy.some(isShadowGate) || config.shadow.rate > 0;
    let report: GateReport;
    try {
      await options.promotion.stage(candidate);
    } catch (error) {
      const reason = `could not be staged: ${(error as Error).message}`;
      await options.promotion.reject(candidate, reason, null);
      throw error;
    }
    if (wantsShadow) await options.shadow.setTarget(candidate);
    try {
      report = await runGates({
        candidate,
        champion,
        policy: settings.policy,
        benchmarks: new Set(byName.keys()),
        evaluate: (checkpoint, name) => evaluateOnce(reportDir, checkpoint, name),
        shadow: (minRequests) => shadowTally(candidate, minRequests),
        simulated,
        bootstrap: { resamples: settings.bootstrapResamples, seed: config.trainer.seed },
      });
    } finally {
      if (wantsShadow) await options.shadow.setTarget(null).catch(() => {});
    }
    const reportPath = await keep(candidate, report);
    let decision: ReviewDecision;
    if (!report.passed) {
      const failing = report.gates.filter((gate) => !gate.passed).map((gate) => gate.name);
      await options.promotion.reject(candidate, `failed gates: ${failing.join(", ")}`, reportPath);
      decision = "rejected";
    } else if (settings.autoPromote) {
      await options.promotion.promote(candidate, champion);
      decision = "promoted";
    } else {
      decision = "held";
    }
    const result = { decision, report, reportPath };
    logger.info({ candidate, champion, decision, reportPath }, "candidate reviewed");
    options.observe?.(result);
    return result;
  }

  return { review };
}

export type Gatekeeper = ReturnType<typeof createGatekeeper>;
