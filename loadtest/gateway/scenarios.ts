import type { JudgeMode } from "../../src/core/types.ts";
import { imageScenarios } from "./image-scenarios.ts";
import {
  batchRequest,
  directChatRequest,
  type PairwiseOptions,
  pairwiseRequest,
  rewardRequest,
} from "./request-bodies.ts";

/** The processes a scenario can load. */
export type ServerName =
  | "sim"
  | "proxy"
  | "jurist"
  | "jurist-tsx"
  | "jurist-redis"
  | "jurist-collecting"
  // The image scenarios' servers (issue 21), in front of a draining replica, not the sim.
  | "image-proxy"
  | "judge-proxy"
  | "image-jurist"
  | "image-jurist-redis"
  | "image-jurist-collecting";

/** One load, run the same way in every round. */
export interface Scenario {
  /** Stable key in the JSON output. */
  id: string;
  label: string;
  server: ServerName;
  transport: "http" | "grpc";
  path: string;
  connections: number;
  /** Verdicts per request (engine calls for the baselines, which make one verdict's call). */
  verdictsPerRequest: number;
  /** HTTP: the body of request `index`. */
  body: (index: number) => string;
  /** HTTP: codes of items that failed inside a 2xx body, for batch and reward scenarios. */
  itemErrors?: (body: string) => string[];
  /** gRPC: the pairwise options of each call. */
  pairwise?: PairwiseOptions;
  /** HTTP: seconds before an unanswered request counts as failed (default 10). */
  timeoutSeconds?: number;
  /** HTTP: headers sent besides `content-type` (the pass-through's `x-forward-count`). */
  headers?: Record<string, string>;
  /** Same-run baselines this row is compared with: the sim called directly and the proxy. */
  direct?: string;
  proxy?: string;
  /** Photos per request in an image scenario (issue 21); absent for the 3 KB-image ones. */
  images?: number;
  /** Image scenarios: the minimal judge proxy's and the byte pass-through's same-run rows. */
  judgeProxy?: string;
  passThrough?: string;
}

export const BATCH_SIZE = 16;
export const REWARD_CANDIDATES = 4;
const CHAT_PATH = "/v1/chat/completions";
const PAIRWISE_PATH = "/v1/judge/pairwise";

/** The body of the baseline's request `index`: the gateway's first-order call, reseeded. */
async function chatBodies(model: string, mode: JudgeMode) {
  const template = JSON.parse(await directChatRequest(0, model, mode)) as Record<string, unknown>;
  return (index: number) => JSON.stringify({ ...template, seed: index % 2 ** 31 });
}

const json = (value: unknown) => JSON.stringify(value);

/** Every scenario of `npm run bench`, in the order each round runs them. */
export async function scenarios(model: string): Promise<Scenario[]> {
  const chat = {
    fast: await chatBodies(model, "fast"),
    reasoned: await chatBodies(model, "reasoned"),
  };
  const baseline = (server: "sim" | "proxy", mode: JudgeMode, connections: number): Scenario => ({
    id: `${server === "sim" ? "direct" : "proxy"}-${mode}-c${connections}`,
    label: `${server === "sim" ? "sim called directly" : "pass-through proxy"}, ${mode}`,
    server,
    transport: "http",
    path: CHAT_PATH,
    connections,
    verdictsPerRequest: 1,
    body: chat[mode],
  });
  const pairwise = (options: PairwiseOptions, connections: number): Scenario => ({
    id: `pairwise-${options.mode}-swap-${options.swap ? "on" : "off"}-c${connections}`,
    label: `pairwise, swap ${options.swap ? "on" : "off"}, ${options.mode}`,
    server: "jurist",
    transport: "http",
    path: PAIRWISE_PATH,
    connections,
    verdictsPerRequest: 1,
    body: (index) => json(pairwiseRequest(index, options)),
    direct: `direct-${options.mode}-c${connections}`,
    proxy: `proxy-${options.mode}-c${connections}`,
  });
  const fastSwapOff: PairwiseOptions = { mode: "fast", swap: false };
  const collection = (server: "jurist-redis" | "jurist-collecting"): Scenario => ({
    ...pairwise(fastSwapOff, 64),
    id: server === "jurist-redis" ? "collection-off-c64" : "collection-on-c64",
    label: `pairwise, swap off, fast; Redis, collection ${server === "jurist-redis" ? "off" : "on at 100%"}`,
    server,
  });
  return [
    baseline("sim", "fast", 1),
    baseline("proxy", "fast", 1),
    pairwise(fastSwapOff, 1),
    baseline("sim", "fast", 64),
    baseline("proxy", "fast", 64),
    pairwise(fastSwapOff, 64),
    pairwise({ mode: "fast", swap: true }, 64),
    {
      ...pairwise(fastSwapOff, 64),
      id: "pairwise-fast-swap-off-c64-tsx",
      label: "pairwise, swap off, fast; gateway run from sources through tsx (no build)",
      server: "jurist-tsx",
    },
    {
      ...pairwise(fastSwapOff, 64),
      id: "cache-hit-fast-c64",
      label: "cache hit (one request repeated), swap off, fast",
      body: () => json(pairwiseRequest(0, fastSwapOff)),
    },
    {
      ...pairwise(fastSwapOff, 64),
      id: "grpc-unary-fast-swap-off-c64",
      label: "gRPC unary pairwise, swap off, fast",
      transport: "grpc",
      pairwise: fastSwapOff,
    },
    {
      ...pairwise(fastSwapOff, 4),
      id: `batch-fast-swap-off-${BATCH_SIZE}x-c4`,
      label: `batch of ${BATCH_SIZE}, swap off, fast`,
      path: "/v1/judge/batch",
      verdictsPerRequest: BATCH_SIZE,
      body: (index) => json(batchRequest(index, BATCH_SIZE, fastSwapOff)),
      itemErrors: (body) =>
        (JSON.parse(body) as { results: { error?: { code: string } }[] }).results.flatMap(
          (result) => (result.error ? [result.error.code] : []),
        ),
      direct: "direct-fast-c64",
      proxy: "proxy-fast-c64",
    },
    {
      ...pairwise(fastSwapOff, 16),
      id: `reward-fast-${REWARD_CANDIDATES}-candidates-c16`,
      label: `reward, ${REWARD_CANDIDATES} candidates vs a reference (verdicts = pairs), fast`,
      path: "/v1/reward",
      verdictsPerRequest: REWARD_CANDIDATES,
      body: (index) => json(rewardRequest(index, REWARD_CANDIDATES, "fast")),
      itemErrors: (body) =>
        (JSON.parse(body) as { failures: { reason: string }[] }).failures.map(
          (failure) => failure.reason.split(":")[0]!,
        ),
      direct: "direct-fast-c64",
      proxy: "proxy-fast-c64",
    },
    baseline("sim", "reasoned", 64),
    baseline("proxy", "reasoned", 64),
    pairwise({ mode: "reasoned", swap: false }, 64),
    pairwise({ mode: "reasoned", swap: true }, 64),
    collection("jurist-redis"),
    collection("jurist-collecting"),
    ...imageScenarios(model),
  ];
}
