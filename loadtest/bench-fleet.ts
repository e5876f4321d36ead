import type { MetricValue } from "prom-client";
import { type Dispatcher, request } from "undici";
import type { Runtime } from "../src/runtime/runtime.ts";
import { validPairwiseBody } from "../test/helpers/fixtures.ts";
import { buildGateway } from "../test/helpers/gateway.ts";
import { type SimProcess, spawnSim } from "../test/helpers/sim-process.ts";
import type { BenchScope } from "./bench-scope.ts";

/** The poll interval every phase configures, ms; the resume target is counted in it. */
export const HEALTH_INTERVAL_MS = 500;

/** Replica latency every phase starts from, ms. */
export const SIM_LATENCY_MS = 20;

/** Real simulated replica processes and an in-process gateway listening on loopback. */
export interface BenchFleet {
  sims: SimProcess[];
  runtime: Runtime;
  /** Gateway base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
}

/** Flags for replica `seed`: the same on a restart, so it comes back as it was. */
export function simArgs(seed: number): string[] {
  return ["--seed", String(seed), "--latency-ms", String(SIM_LATENCY_MS)];
}

/**
 * Spawns `replicas` sim processes and a gateway in front of them, polling every
 * HEALTH_INTERVAL_MS; `env` adds configuration. Everything stops when `scope` closes.
 */
export async function startBenchFleet(
  scope: BenchScope,
  replicas: number,
  env: Record<string, string> = {},
): Promise<BenchFleet> {
  const sims = await Promise.all(
    Array.from({ length: replicas }, (_, seed) => spawnSim(scope, simArgs(seed))),
  );
  const { runtime, url } = await buildGateway(
    scope,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
      ...env,
    },
    { listen: true },
  );
  return { sims, runtime, url };
}

/** A body factory: valid pairwise requests with a fresh seed each, so none is a cache hit. */
export function pairwiseBodies(): () => Record<string, unknown> {
  let seed = 0;
  return () => ({ ...validPairwiseBody(), seed: seed++ });
}

/** How one sequential request ended and how long it took, ms. */
export interface TimedAnswer {
  status: number;
  /** `error.code` of a non-200 body, else null. */
  code: string | null;
  ms: number;
}

/** Sends one request (a JSON body makes it a POST) and times it to the last body byte. */
export async function timedRequest(
  dispatcher: Dispatcher,
  url: string,
  body?: unknown,
): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await request(url, {
    dispatcher,
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.body.text();
  const ms = performance.now() - started;
  return { status: response.statusCode, code: errorCode(response.statusCode, text), ms };
}

function errorCode(status: number, text: string): string | null {
  if (status === 200) return null;
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

/** What the gateway's own metrics say about one replica so far. */
export interface ReplicaCalls {
  ok: number;
  /** Calls timed by `jurist_engine_request_duration_seconds`, and their total seconds. */
  timed: number;
  seconds: number;
}

/** Engine calls per replica URL so far, from the gateway's metrics registry. */
export async function callsByReplica(runtime: Runtime): Promise<Map<string, ReplicaCalls>> {
  const calls = new Map<string, ReplicaCalls>();
  const entry = (replica: unknown) => {
    const key = String(replica);
    if (!calls.has(key)) calls.set(key, { ok: 0, timed: 0, seconds: 0 });
    return calls.get(key)!;
  };
  for (const { labels, value } of await metricValues(runtime, "jurist_engine_requests_total")) {
    if (labels.outcome === "ok") entry(labels.replica).ok += value;
  }
  const duration = "jurist_engine_request_duration_seconds";
  for (const { labels, value, metricName } of await metricValues(runtime, duration)) {
    if (metricName === `${duration}_count`) entry(labels.replica).timed += value;
    if (metricName === `${duration}_sum`) entry(labels.replica).seconds += value;
  }
  return calls;
}

/** A metric's samples; a histogram's carry `metricName` (`…_sum`, `…_count`, `…_bucket`). */
async function metricValues(runtime: Runtime, name: string) {
  const metric = runtime.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values as (MetricValue<string> & { metricName?: string })[];
}
