import { create } from "@bufbuild/protobuf";
import type { SimServer } from "../../../sim/sim-server.ts";
import { PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import type { TrainerMetrics } from "../../../src/metrics/trainer-metrics.ts";
import { startMetricsServer } from "../../../trainer/worker/metrics-server.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import { callError, type GrpcGateway, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

/** What Prometheus scrapes in the observability tests: the three jobs of prometheus.yml. */
export interface ObservedSystem {
  /** A gateway listening on loopback for HTTP (`url`, with /metrics) and gRPC. */
  gateway: GrpcGateway;
  /** A trainer worker's metrics server (its registry is `trainer`'s), as `jurist trainer` runs. */
  workerUrl: string;
  trainer: TrainerMetrics;
  /** Simulated vLLM replicas; each serves vLLM-style /metrics too. */
  sims: SimServer[];
}

/**
 * Two simulated replicas that sometimes answer unreadably (invalid orders, partial verdicts)
 * or fail (engine errors, retries), a gateway in front of them collecting every prompt, and a
 * trainer worker's metrics endpoint; all closed when the test ends.
 */
export async function startObservedSystem(t: Teardown): Promise<ObservedSystem> {
  const sims = await startSims(t, 2, { invalidRate: 0.25, errorRate: 0.1 });
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_COLLECT_RATE: "1",
  });
  const worker = createMetrics();
  const server = await startMetricsServer(worker.registry, 0, "127.0.0.1");
  t.teardown(() => server.close());
  return { gateway, workerUrl: server.url, trainer: worker.trainer, sims };
}

async function post(url: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Judging traffic over both transports: distinct prompts (collected), repeats (cache hits),
 * a bypass, a batch, bad requests (400, 404, INVALID_ARGUMENT). Returns the HTTP statuses.
 */
export async function sendTraffic(system: ObservedSystem): Promise<number[]> {
  const { url, judge } = system.gateway;
  const pairwise = (index: number, extra: Record<string, unknown> = {}) => ({
    ...validPairwiseBody(),
    question: `How many apples are in bowl number ${index}?`,
    ...extra,
  });
  const statuses: number[] = [];
  for (let index = 0; index < 12; index++) {
    statuses.push(await post(url, "/v1/judge/pairwise", pairwise(index)));
  }
  for (let index = 0; index < 4; index++) {
    statuses.push(await post(url, "/v1/judge/pairwise", pairwise(index)));
  }
  statuses.push(await post(url, "/v1/judge/pairwise", pairwise(0, { cache: false })));
  statuses.push(await post(url, "/v1/judge/batch", { items: [pairwise(20), pairwise(21)] }));
  statuses.push(await post(url, "/v1/judge/pairwise", { question: "?" }));
  statuses.push(await post(url, "/v1/judge/pairwise", pairwise(30, { checkpoint: "no-such" })));
  const request = (question: string) =>
    create(PairwiseRequestSchema, { question, responses: ["Three apples.", "Five apples."] });
  for (const question of ["How many pears?", "How many plums?"]) {
    await unaryCall(judge, judge.pairwise, request(question));
  }
  await callError(unaryCall(judge, judge.pairwise, request("")));
  return statuses;
}

/** What a worker reports over one completed and one failed iteration and a rejected review. */
export function runTrainerIterations(trainer: TrainerMetrics): void {
  trainer.backlog(12);
  trainer.iterationStarted(1);
  const stages = ["intake", "classify", "synthesize", "judge", "dataset", "fine-tune", "register"];
  for (const stage of stages as Parameters<TrainerMetrics["stageStarted"]>[0][]) {
    trainer.stageStarted(stage);
    trainer.records(stage, 10);
    trainer.stageFinished(stage, 2, "ok");
  }
  trainer.iterationEnded("completed", {
    iteration: 1,
    examples: 40,
    retention: { closed: 0.6, open: 0.4, all: 0.5 },
    skips: [{ stage: "classify", reason: "unclassifiable", count: 3 }],
  });
  trainer.reviewed(
    "rejected",
    [
      { name: "vlrb", passed: false },
      { name: "consistency", passed: true },
    ],
    "jurist-judge-it1",
  );
  trainer.iterationStarted(2);
  trainer.stageStarted("intake");
  trainer.stageFinished("intake", 1, "failed");
  trainer.iterationEnded("failed");
}
