import { Agent, request } from "undici";
import { TINY_PNG_DATA_URI } from "../test/helpers/fixtures.ts";

/**
 * The two loads of the reward-interference benchmark: a steady open-loop stream of interactive
 * pairwise verdicts (latency measured from each request's scheduled start, so a stalled
 * gateway cannot hide its queueing by slowing the sender) and a closed-loop batch load that
 * keeps a fixed number of reward requests in flight, saturating the fleet. Both judge in `fast`
 * mode (one verdict token): with replicas this quick, reasoned text would make the gateway's CPU
 * (parsing per-token logprobs) the bottleneck, and this benchmark measures admission.
 */

/** How one interactive request ended and how long it took from its scheduled start, ms. */
export interface InteractiveAnswer {
  status: number | null;
  code: string | null;
  ms: number;
}

let serial = 0;

/** A pairwise body nobody asked before: no cache hit, no collection. */
function pairwiseBody(): Record<string, unknown> {
  const n = serial++;
  return {
    question: `How many apples are in bowl number ${n}?`,
    images: [{ url: TINY_PNG_DATA_URI }],
    responses: ["There are three red apples in the bowl.", "There are five green apples."],
    mode: "fast",
    seed: n,
    cache: false,
    collect: false,
  };
}

async function post(dispatcher: Agent, url: string, body: unknown, headers = {}) {
  const response = await request(url, {
    method: "POST",
    dispatcher,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  const json = (await response.body.json()) as Record<string, unknown>;
  const code = (json.error as { code?: string } | undefined)?.code ?? null;
  return { status: response.statusCode, code, json };
}

/** `ratePerSecond` interactive verdicts (no priority header) for `durationMs`, open loop. */
export async function interactiveStream(
  gateway: string,
  ratePerSecond: number,
  durationMs: number,
): Promise<InteractiveAnswer[]> {
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const started = performance.now();
  const one = async (index: number): Promise<InteractiveAnswer> => {
    const due = started + (index * 1000) / ratePerSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    try {
      const { status, code } = await post(
        dispatcher,
        `${gateway}/v1/judge/pairwise`,
        pairwiseBody(),
      );
      return { status, code, ms: performance.now() - due };
    } catch (error) {
      return { status: null, code: (error as Error).name, ms: performance.now() - due };
    }
  };
  try {
    return await Promise.all(Array.from({ length: total }, (_, index) => one(index)));
  } finally {
    await dispatcher.close();
  }
}

/** What one batch request achieved. */
export interface BatchAnswer {
  status: number;
  code: string | null;
  /** Candidates (or batch items) that got a score (a verdict). */
  scored: number;
  /** Engine-judged pairs behind them. */
  pairs: number;
}

/** Sends one batch-class request to a gateway. */
export type BatchSender = (dispatcher: Agent) => Promise<BatchAnswer>;

/** `POST /v1/reward`, reference method, `candidates` candidates: batch class by route. */
export function rewardSender(gateway: string, candidates: number): BatchSender {
  return async (dispatcher) => {
    const n = serial++;
    const body = {
      question: `Describe the fruit in bowl number ${n}.`,
      images: [{ url: TINY_PNG_DATA_URI }],
      candidates: Array.from({ length: candidates }, (_, i) => `Candidate ${i} of ${n}: apples.`),
      reference: `The bowl number ${n} holds three red apples.`,
      method: "reference",
      mode: "fast",
    };
    const { status, code, json } = await post(dispatcher, `${gateway}/v1/reward`, body);
    const scores = (json.scores as (number | null)[] | undefined) ?? [];
    const pairs = (json.pairs as { judged?: number } | undefined)?.judged ?? 0;
    return { status, code, scored: scores.filter((s) => s !== null).length, pairs };
  };
}

/** Fallback without the reward route: `/v1/judge/batch` marked batch by header. */
export function judgeBatchSender(gateway: string, items: number): BatchSender {
  return async (dispatcher) => {
    const body = { items: Array.from({ length: items }, pairwiseBody) };
    const headers = { "x-jurist-priority": "batch" };
    const { status, code, json } = await post(
      dispatcher,
      `${gateway}/v1/judge/batch`,
      body,
      headers,
    );
    const results = (json.results as { verdict?: unknown }[] | undefined) ?? [];
    const scored = results.filter((r) => r.verdict).length;
    return { status, code, scored, pairs: scored };
  };
}

/** Keeps `concurrency` batch requests in flight until `stop` aborts; every answer, in order. */
export async function batchLoad(
  send: BatchSender,
  concurrency: number,
  stop: AbortSignal,
): Promise<BatchAnswer[]> {
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const answers: BatchAnswer[] = [];
  const worker = async () => {
    while (!stop.aborted) {
      answers.push(
        await send(dispatcher).catch((error: Error) => ({
          status: 0,
          code: error.name,
          scored: 0,
          pairs: 0,
        })),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await dispatcher.close();
  }
  return answers;
}
