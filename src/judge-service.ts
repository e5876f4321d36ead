import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import {
  type PairwiseRequest,
  pairwiseRequestSchema,
  type VerdictWire,
} from "./api/pairwise-schema.ts";
import { issuesToDetails } from "./api/validation-details.ts";
import { verdictToWire } from "./api/verdict-wire.ts";
import { mapConcurrent } from "./core/map-concurrent.ts";
import type { createPairwiseJudge } from "./core/pairwise-judge.ts";
import { AppError, type ErrorCode, errorBody, toAppError } from "./errors.ts";
import type { createImageIntake } from "./images/image-intake.ts";
import type { Metrics } from "./metrics.ts";

export interface JudgeServiceDeps {
  intake: Pick<ReturnType<typeof createImageIntake>, "resolve">;
  judge: ReturnType<typeof createPairwiseJudge>;
  /** Whether a checkpoint is served by simulated replicas (said in every verdict). */
  isSimulated(checkpoint: string): boolean;
  /** Batch items judged at once. */
  batchConcurrency: number;
  logger: Logger;
  /** Verdict counters; omitted in tests that do not read them. */
  metrics?: Pick<Metrics, "verdicts">;
}

export type BatchResult =
  | { index: number; verdict: VerdictWire }
  | {
      index: number;
      error: { code: ErrorCode; message: string; details?: { path?: string; reason: string }[] };
    };

/**
 * Pairwise judging, transport-free: image intake, the judge core, the wire shape. HTTP and gRPC
 * call this with already-validated requests and an AbortSignal for deadline and disconnect.
 */
export function createJudgeService(deps: JudgeServiceDeps) {
  async function pairwise(request: PairwiseRequest, signal?: AbortSignal): Promise<VerdictWire> {
    const started = performance.now();
    const images = await deps.intake.resolve(request.images, signal);
    const result = await deps.judge.judge(
      {
        question: request.question,
        images,
        responses: request.responses,
        rubric: request.rubric,
        mode: request.mode,
        swap: request.swap,
        checkpoint: request.checkpoint,
        seed: request.seed,
      },
      signal,
    );
    deps.metrics?.verdicts.record(result);
    return verdictToWire(result, {
      id: `vrd_${randomUUID().replaceAll("-", "")}`,
      checkpoint: result.checkpoint,
      template: result.template,
      mode: request.mode,
      cached: false,
      simulated: deps.isSimulated(result.checkpoint),
      latencyMs: performance.now() - started,
    });
  }

  async function batchItem(
    item: unknown,
    index: number,
    signal?: AbortSignal,
  ): Promise<BatchResult> {
    const parsed = pairwiseRequestSchema.safeParse(item);
    if (!parsed.success) {
      const error = new AppError("INVALID_REQUEST", "the item does not match the schema", {
        details: issuesToDetails(parsed.error.issues, `items.${index}`),
      });
      return { index, error: errorBody(error).error };
    }
    try {
      return { index, verdict: await pairwise(parsed.data, signal) };
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.isServerFault) deps.logger.warn({ err: thrown, index }, "batch item failed");
      return { index, error: errorBody(error).error };
    }
  }

  /** Judges every item with bounded concurrency; one bad item never fails the batch. */
  async function batch(items: readonly unknown[], signal?: AbortSignal): Promise<BatchResult[]> {
    return mapConcurrent(items, deps.batchConcurrency, (item, index) =>
      batchItem(item, index, signal),
    );
  }

  return { pairwise, batch };
}

export type JudgeService = ReturnType<typeof createJudgeService>;
