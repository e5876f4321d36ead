/**
 * `npm run bench`: Jurist's cost per verdict against baselines measured in the same run on the
 * same machine: the simulated replica called directly, a minimal Fastify → undici
 * pass-through proxy, and Jurist with prompt collection off versus on; then, with ~0.6 MB
 * photos (issue 21), Jurist against a minimal judge proxy and the byte pass-through, and the
 * peak RSS of a fresh gateway and a fresh minimal judge proxy under 16 concurrent 4-photo
 * requests. Starts its own processes (a zero-latency sim, the proxies, a private
 * redis-server, `jurist serve` gateways), drives them with autocannon (HTTP) and grpc-js
 * (gRPC) in rounds, then measures a fresh gateway's RSS over 2 × 100,000 requests. Prints
 * Markdown; writes results/bench.json, results/bench.md and the generated block of
 * loadtest/RESULTS.md.
 * Run: npm run bench [-- --rounds 2 --seconds 3 --memory-requests 100000 --no-results-md]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startRedis } from "../../test/helpers/redis-server.ts";
import { FROM_SOURCES, serveGateway } from "../../test/helpers/serve-process.ts";
import { type BenchScope, progress, runBenchmark } from "../bench-scope.ts";
import { fixed } from "../latency-stats.ts";
import { cpuSeconds, processUsage, rssBytes } from "../process-usage.ts";
import {
  startDrainingReplica,
  startMinimalJudgeProxy,
  startPassThroughProxy,
  startZeroLatencySim,
} from "./bench-processes.ts";
import { renderReport, writeIntoResults } from "./bench-report.ts";
import { compare, type ImagePeakRss, type MemoryResult } from "./bench-results.ts";
import { imageTargetRows, targetRows } from "./bench-targets.ts";
import { PHOTO_DATA_URIS, PHOTOS } from "./image-payloads.ts";
import { measurePeakRss, PEAK_RSS_REQUESTS } from "./image-peak-rss.ts";
import { IMAGE_CONCURRENCY, PEAK_RSS_CONCURRENCY, PEAK_RSS_ID } from "./image-scenarios.ts";
import { createTally, type Tally, usageBetween } from "./load-figures.ts";
import { IMAGE_BYTES } from "./request-bodies.ts";
import { type Endpoint, runScenario } from "./run-scenario.ts";
import { type Scenario, type ServerName, scenarios } from "./scenarios.ts";

const RUN_LIMIT_MS = 15 * 60_000;
/** The peak RSS phase's replica latency: a vision verdict's prefill is hundreds of ms. */
const PEAK_REPLICA_LATENCY_MS = 500;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_MD = fileURLToPath(new URL("../RESULTS.md", import.meta.url));

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    seconds: { type: "string", default: "3" },
    "warmup-seconds": { type: "string", default: "1" },
    "memory-requests": { type: "string", default: "100000" },
    only: { type: "string" },
    // e.g. --gateway-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateways.
    "gateway-node-args": { type: "string", default: "" },
    // e.g. --gateway-env JURIST_LOG_LEVEL=warn,JURIST_CACHE_MAX_ENTRIES=1 to compare settings.
    "gateway-env": { type: "string", default: "" },
    "no-results-md": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    "results-dir": { type: "string" },
  },
});
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const WARMUP_SECONDS = Number(args["warmup-seconds"]);
const RESULTS_DIR = args["results-dir"] ?? fileURLToPath(new URL("../results", import.meta.url));
const MEMORY_REQUESTS = Number(args["memory-requests"]);
const GATEWAY_NODE_ARGS = args["gateway-node-args"].split(" ").filter(Boolean);

/** Jurist as users run it (default log level, shedding, cache), minus the embedded trainer. */
const GATEWAY_ENV: Record<string, string> = {
  JURIST_LOG_LEVEL: "info",
  JURIST_MAX_EVENT_LOOP_DELAY_MS: "1000",
  JURIST_COLLECT_RATE: "0",
  JURIST_TRAIN_EMBEDDED: "false",
  ...Object.fromEntries(
    args["gateway-env"]
      .split(",")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  ),
};

if (!args["no-build"]) {
  // The gateways run what `npm run build` compiles (bin/jurist.js picks dist/ once current).
  progress("npm run build");
  execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: ROOT });
}

const loadStart = loadavg()[0]!;
await runBenchmark(RUN_LIMIT_MS, async (scope) => {
  const sim = await startZeroLatencySim(scope);
  const all = await scenarios(sim.model);
  const only = args.only?.split(",");
  const chosen = only ? all.filter((s) => only.includes(s.id)) : all;
  const measurePeak = !only || only.includes(PEAK_RSS_ID);
  if (chosen.length === 0 && !measurePeak) throw new Error(`--only ${args.only} names no scenario`);
  // The image scenarios' replica: a stand-in that drains bodies unparsed (image-scenarios.ts).
  const drain = chosen.some((s) => s.images !== undefined)
    ? {
        ...(await startDrainingReplica(scope, { answer: "fast", model: sim.model })),
        model: sim.model,
      }
    : null;
  const endpoints = await startServers(scope, sim, drain, new Set(chosen.map((s) => s.server)));
  const replicaOf = (scenario: Scenario) => (scenario.images === undefined ? sim : drain!);
  const tallies = new Map<string, Tally>(chosen.map((s) => [s.id, createTally()]));
  for (const scenario of chosen) {
    progress(`warm-up: ${scenario.id}`);
    await runScenario(scenario, endpoints[scenario.server]!, createTally(), {
      seconds: WARMUP_SECONDS,
    });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scenario of chosen) {
      progress(`round ${round}/${ROUNDS}: ${scenario.id}, ${SECONDS} s`);
      const endpoint = endpoints[scenario.server]!;
      const tally = tallies.get(scenario.id)!;
      await untilReady(scenario.server, endpoint);
      const replica = replicaOf(scenario);
      const [serverBefore, replicaBefore] = [processUsage(endpoint.pid), cpuSeconds(replica.pid)];
      await runScenario(scenario, endpoint, tally, { seconds: SECONDS });
      tally.used(
        usageBetween(serverBefore, processUsage(endpoint.pid)),
        cpuSeconds(replica.pid) - replicaBefore,
      );
    }
  }
  const raw = new Map(
    chosen.map((scenario) => {
      const figures = tallies.get(scenario.id)!.figures();
      const judged = verdicts(scenario, figures);
      return [
        scenario.id,
        {
          ...figures,
          id: scenario.id,
          label: scenario.label,
          server: scenario.server,
          transport: scenario.transport,
          connections: scenario.connections,
          verdictsPerRequest: scenario.verdictsPerRequest,
          images: scenario.images ?? null,
          verdictsPerSecond: judged / figures.seconds,
          serverCpuMicrosPerVerdict: (figures.serverCpuSeconds * 1e6) / judged,
          simCpuMicrosPerVerdict: (figures.simCpuSeconds * 1e6) / judged,
          serverSystemMicrosPerVerdict: (figures.serverSystemSeconds * 1e6) / judged,
          serverPageFaultsPerVerdict: figures.serverPageFaults / judged,
          serverRssBytes: rssBytes(endpoints[scenario.server]!.pid),
        },
      ];
    }),
  );
  const results = compare(chosen, raw);
  // Only the default gateway is left running while the memory phases run their own.
  for (const [name, endpoint] of Object.entries(endpoints)) {
    if (name !== "jurist" && name.includes("jurist")) await endpoint.stop?.();
  }

  const backends = { JURIST_BACKENDS: sim.url };
  const peak = measurePeak ? await measureImagePeak(scope, sim.model) : null;
  const memory = only ? null : await measureMemory(scope, backends, all);
  const targets = [...(only ? [] : targetRows(results, memory)), ...imageTargetRows(results, peak)];
  const command = `npm run bench -- --rounds ${ROUNDS} --seconds ${SECONDS} --memory-requests ${MEMORY_REQUESTS}`;
  const markdown = renderReport({
    heading: `${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${availableParallelism()} CPUs, load average ${fixed(loadStart)} → ${fixed(loadavg()[0]!)}`,
    setup:
      `One zero-latency simulated replica process; every server below in front of it is a ` +
      `process of its own; autocannon and grpc-js load from this process, closed loop. ` +
      `${ROUNDS} rounds × ${SECONDS} s per scenario after a ${WARMUP_SECONDS} s warm-up; ` +
      `every request a new input with one ${IMAGE_BYTES}-byte PNG. Jurist runs ` +
      `${args["no-build"] ? "bin/jurist.js without a fresh build (--no-build)" : "from dist/ (built first, as the image does)"} with its defaults (log level info, verdict ` +
      `cache on, shedding at 1 s loop delay) and collection off, unless the row says otherwise.`,
    imageSetup:
      `**Image payloads (issue 21).** The same processes with realistic images: ` +
      `${PHOTOS.length} distinct deterministic photo-like 400×400 PNGs of ` +
      `${PHOTOS.map((photo) => photo.length.toLocaleString("en")).join(", ")} bytes ` +
      `(data URIs of ${PHOTO_DATA_URIS[0]!.length.toLocaleString("en")}+ characters); a 1-photo request carries ` +
      `the first, a 4-photo request all four, the same in every request, each request its own ` +
      `question and seed (a new verdict). ${IMAGE_CONCURRENCY} requests in flight, fast mode. ` +
      `The replica is a stand-in that drains each body unparsed and answers the letter ` +
      `(loadtest/draining-replica.ts): the sim spends ~18 ms of CPU parsing a 0.6 MB call, ` +
      `more than the gateway, and under 4-photo loads misses its /health poll. ` +
      `Baselines of the same run: the minimal judge proxy (JSON.parse of the body, one chat ` +
      `request per order with the images as given, undici) and the byte pass-through ` +
      `forwarding the chat body Jurist would send (twice with swap on). CPU, its system part ` +
      `and page faults are the server process's own, from /proc. Peak RSS: a fresh process of ` +
      `each, ${PEAK_RSS_REQUESTS} 4-photo swap-on requests ${PEAK_RSS_CONCURRENCY} at a time, VmHWM ` +
      `reset after a warm-up, the replica answering ${PEAK_REPLICA_LATENCY_MS} ms after each body.`,
    peak,
    results,
    targets,
    command,
  });
  process.stdout.write(`${markdown}\n`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadAverage: { start: loadStart, end: loadavg()[0] },
    settings: {
      rounds: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      memoryRequests: MEMORY_REQUESTS,
    },
    results,
    peak,
    memory,
    targets,
  };
  writeFileSync(join(RESULTS_DIR, "bench.json"), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, "bench.md"), `${markdown}\n`);
  if (!args["no-results-md"] && !args.only) writeIntoResults(RESULTS_MD, markdown);
  progress(
    `wrote ${join(RESULTS_DIR, "bench.json")} and bench.md${args["no-results-md"] ? "" : " and RESULTS.md"}`,
  );
});

/**
 * Waits (up to 5 s) until a gateway's /readyz says ready: the previous scenario may have
 * saturated the sim so far that a health poll timed out, and a run starting before the next
 * poll would measure 503 NO_HEALTHY_REPLICA instead of the gateway.
 */
async function untilReady(server: ServerName, endpoint: Endpoint): Promise<void> {
  if (!server.includes("jurist")) return;
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    const response = await fetch(`${endpoint.url}/readyz`).catch(() => null);
    if (response?.status === 200) return;
    await sleep(100);
  }
  progress(`${server} not ready after 5 s; running anyway`);
}

/** Verdicts judged: items of successful answers, less the items that failed inside them. */
function verdicts(
  scenario: { verdictsPerRequest: number },
  figures: { ok: number; itemFailures: number },
): number {
  return scenario.verdictsPerRequest * figures.ok - figures.itemFailures;
}

/**
 * The sim and the servers `needed` by the chosen scenarios, started at once: the pass-through
 * proxy, Jurist from dist/ and through tsx, and Jurist with a private redis-server, collection
 * off and on.
 */
async function startServers(
  scope: BenchScope,
  sim: Endpoint,
  drain: (Endpoint & { model: string }) | null,
  needed: ReadonlySet<ServerName>,
): Promise<Partial<Record<ServerName, Endpoint>>> {
  progress(`starting ${[...needed].join(", ")}`);
  const env = { ...GATEWAY_ENV, JURIST_BACKENDS: sim.url };
  const imageEnv = { ...GATEWAY_ENV, JURIST_BACKENDS: drain?.url ?? "" };
  const redis = [...needed].some((name) => /jurist-(redis|collecting)/.test(name))
    ? await startRedis(scope)
    : null;
  const collecting = { REDIS_URL: redis?.url ?? "", JURIST_COLLECT_RATE: "1" };
  const starters: Record<ServerName, () => Promise<Endpoint>> = {
    sim: async () => sim,
    proxy: () => startPassThroughProxy(scope, sim.url),
    "image-proxy": () => startPassThroughProxy(scope, drain!.url),
    "judge-proxy": () => startMinimalJudgeProxy(scope, drain!.url, drain!.model),
    "image-jurist": () => serveGateway(scope, imageEnv, GATEWAY_NODE_ARGS),
    "image-jurist-redis": () =>
      serveGateway(scope, { ...imageEnv, REDIS_URL: redis!.url }, GATEWAY_NODE_ARGS),
    "image-jurist-collecting": () =>
      serveGateway(scope, { ...imageEnv, ...collecting }, GATEWAY_NODE_ARGS),
    jurist: () => serveGateway(scope, env, GATEWAY_NODE_ARGS),
    "jurist-tsx": () => serveGateway(scope, env, GATEWAY_NODE_ARGS, FROM_SOURCES),
    "jurist-redis": () => serveGateway(scope, { ...env, REDIS_URL: redis!.url }, GATEWAY_NODE_ARGS),
    "jurist-collecting": () => serveGateway(scope, { ...env, ...collecting }, GATEWAY_NODE_ARGS),
  };
  const started = await Promise.all(
    [...needed].map(async (name) => [name, await starters[name]()] as const),
  );
  return Object.fromEntries(started);
}

/**
 * Issue 21's peak RSS phase: a fresh gateway, then a fresh minimal judge proxy (the same-run
 * baseline), each under 16 concurrent 4-photo swap-on requests (`image-peak-rss.ts`), in
 * front of a draining replica that answers PEAK_REPLICA_LATENCY_MS after each body: with an
 * instant answer, a busy server would finish a request before reading the next one's body
 * off its socket, and hold fewer than 16 at once.
 */
async function measureImagePeak(scope: BenchScope, model: string) {
  const drain = await startDrainingReplica(scope, {
    answer: "fast",
    model,
    latencyMs: PEAK_REPLICA_LATENCY_MS,
  });
  progress(`${PEAK_RSS_ID}: fresh gateway`);
  const gateway = await serveGateway(scope, { ...GATEWAY_ENV, JURIST_BACKENDS: drain.url });
  await untilReady("image-jurist", gateway);
  const jurist = await measurePeakRss(gateway);
  await gateway.stop();
  progress(`${PEAK_RSS_ID}: fresh minimal judge proxy`);
  const proxy = await startMinimalJudgeProxy(scope, drain.url, model);
  const judgeProxy = await measurePeakRss(proxy);
  return { jurist, judgeProxy } satisfies ImagePeakRss;
}

/**
 * A fresh gateway's RSS after warm-up, after MEMORY_REQUESTS pairwise requests and after as
 * many again: a leak grows the second step as much as the first.
 */
async function measureMemory(
  benchScope: BenchScope,
  backends: Record<string, string>,
  all: Awaited<ReturnType<typeof scenarios>>,
): Promise<MemoryResult> {
  const scenario = all.find((s) => s.id === "pairwise-fast-swap-off-c64")!;
  const gateway = await serveGateway(benchScope, { ...GATEWAY_ENV, ...backends });
  const tally = createTally();
  progress("memory: warm-up");
  await runScenario(scenario, gateway, createTally(), { seconds: WARMUP_SECONDS * 2 });
  const rss = [rssBytes(gateway.pid)];
  for (const step of [1, 2]) {
    progress(`memory: ${MEMORY_REQUESTS.toLocaleString("en")} requests (step ${step}/2)`);
    await runScenario(scenario, gateway, tally, { seconds: 0, amount: MEMORY_REQUESTS });
    rss.push(rssBytes(gateway.pid));
  }
  await gateway.stop();
  return { requestsPerStep: MEMORY_REQUESTS, rssBytes: rss, failures: tally.figures().failures };
}
