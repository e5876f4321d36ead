import { create } from "@bufbuild/protobuf";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { Agent, request } from "undici";
import { JudgeService, PairwiseRequestSchema } from "../src/grpc/gen/jurist/v1/judge_pb.ts";
import { clientConstructor } from "../src/grpc/service-definition.ts";

/**
 * Closed-loop unary load generators for the same pairwise inputs over HTTP (undici, JSON) and
 * gRPC (grpc-js, protobuf), sharing one harness so the two differ only in the transport.
 */

/** One pairwise input, as the JSON API takes it. */
export interface PairwiseInput {
  question: string;
  responses: [string, string];
  mode: "reasoned" | "fast";
  seed: number;
}

/** How one request ended and how long it took. */
export interface UnaryResult {
  /** null when it succeeded; else the error code (`error.code`, a gRPC status name, a socket code). */
  error: string | null;
  ms: number;
  /** The verdict's probability_a and winner, to compare transports; undefined on error. */
  verdict?: { probabilityA: number | null; winner: string | null };
}

export interface LoadRun {
  results: UnaryResult[];
  /** Wall time from the first request to the last answer, ms. */
  elapsedMs: number;
}

/** Sends one request and resolves with how it ended; never rejects. */
export type UnarySender = (input: PairwiseInput) => Promise<UnaryResult>;

/**
 * `concurrency` workers each send one request after another until `durationMs` has passed;
 * in-flight requests are awaited. Inputs come from `next` in order across workers.
 */
export async function closedLoop(
  send: UnarySender,
  next: () => PairwiseInput,
  concurrency: number,
  durationMs: number,
): Promise<LoadRun> {
  const results: UnaryResult[] = [];
  const started = performance.now();
  const stopAt = started + durationMs;
  const worker = async () => {
    while (performance.now() < stopAt) results.push(await send(next()));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { results, elapsedMs: performance.now() - started };
}

function body(input: PairwiseInput) {
  return { ...input, cache: false, collect: false };
}

/** An HTTP sender over `connections` keep-alive connections; `close` ends them. */
export function httpSender(url: string, connections: number) {
  const dispatcher = new Agent({ connections, keepAliveTimeout: 10_000 });
  const send: UnarySender = async (input) => {
    const started = performance.now();
    try {
      const response = await request(`${url}/v1/judge/pairwise`, {
        method: "POST",
        dispatcher,
        body: JSON.stringify(body(input)),
        headers: { "content-type": "application/json" },
      });
      const json = (await response.body.json()) as {
        probability_a?: number | null;
        winner?: string | null;
        error?: { code: string };
      };
      const ms = performance.now() - started;
      if (response.statusCode !== 200) return { error: json.error?.code ?? "HTTP", ms };
      const verdict = { probabilityA: json.probability_a ?? null, winner: json.winner ?? null };
      return { error: null, ms, verdict };
    } catch (error) {
      return {
        error: (error as { code?: string }).code ?? "ERROR",
        ms: performance.now() - started,
      };
    }
  };
  return { send, close: () => dispatcher.close() };
}

const WINNER_NAMES = ["", "A", "B", "tie"];
const MODES = { reasoned: 1, fast: 2 } as const;
const JudgeClient = clientConstructor(JudgeService);

/**
 * A gRPC sender: one grpc-js channel (one HTTP/2 connection, every call multiplexed on it, as
 * clients normally use gRPC) built from the server's own service definition.
 */
export function grpcSender(address: string) {
  const client = new JudgeClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  const send: UnarySender = (input) => {
    const started = performance.now();
    const message = create(PairwiseRequestSchema, { ...body(input), mode: MODES[input.mode] });
    return new Promise((resolve) => {
      client.pairwise(message, metadata, (error: ServiceError | null, response) => {
        const ms = performance.now() - started;
        if (error || !response?.verdict) {
          resolve({ error: error ? `gRPC ${error.code}` : "EMPTY", ms });
          return;
        }
        const { probabilityA, winner } = response.verdict;
        resolve({
          error: null,
          ms,
          verdict: {
            probabilityA: probabilityA ?? null,
            winner: winner === undefined ? null : (WINNER_NAMES[winner] ?? null),
          },
        });
      });
    });
  };
  return { send, close: () => client.close() };
}
