import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fromBinary } from "@bufbuild/protobuf";
import { type ServiceError, status } from "@grpc/grpc-js";
import { request } from "undici";
import { PairwiseRequestSchema } from "../src/grpc/gen/jurist/v1/judge_pb.ts";
import { rawUnaryCall } from "../test/helpers/grpc.ts";
import { serveGateway } from "../test/helpers/serve-process.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { type BenchScope, progress, runBenchmark, sleep } from "./bench-scope.ts";
import { startDrainingReplica } from "./gateway/bench-processes.ts";
import { imageBody, imagesFlood, oneLongQuestion, wideBody } from "./hardening-payloads.ts";
import { rssBytes } from "./process-usage.ts";

/**
 * Issue 18's memory figures, each beside a baseline measured in the same run, against a
 * `jurist serve` process of its own (so its RSS is its own) in front of two replica stand-ins
 * that drain bodies without parsing them (draining-replica.ts), so the figures are the
 * gateway's: a simulated replica parsing every 60 MB body misses its own `/health` under (b).
 *
 * (a) a 60 MB body of `[`: how long its refusal takes, and `/healthz` latency meanwhile, beside
 *     `/healthz` at rest and the time a minimal Node server takes merely to read that body;
 * (b) five concurrent ~60 MB bodies of 8 data-URI PNGs each: the gateway's peak RSS (target
 *     < 1.2 GB) and whether any replica was marked unhealthy, beside the gateway's idle RSS and
 *     the peak RSS of a minimal Node server reading the same five bodies;
 * (c) a 10 MB gRPC `PairwiseRequest` of 5 million empty `images` entries: how long its refusal
 *     takes and what it adds to the gateway's RSS, beside a 10 MB message the gateway does
 *     decode (one 10 MB `question`, refused by the request checks) and protobuf-es decoding
 *     the flood in this process, which is what the gateway did before the width check.
 * (d) a 21 MB body of `[{},{},…]` (wide, not deep): how long its refusal takes and the
 *     gateway's RSS growth meanwhile, beside a minimal Node server that reads and JSON.parses
 *     the same body (what the gateway did before it counted values: 2.9 s, +636 MB).
 *
 * Writes loadtest/results/hardening-memory.json; prints a Markdown table.
 */

const DEEP_BODY_BYTES = 60 * 1024 * 1024;
const WIDE_BODY_BYTES = 21 * 1000 * 1000;
const CONCURRENT_BODIES = 5;
const IMAGES_PER_BODY = 8;
const RSS_TARGET = 1.2e9;
const HEALTH_INTERVAL_MS = 500;

/** (c): the message size, and how many times each message is sent (the median is shown). */
const GRPC_MESSAGE_BYTES = 10_000_000;
const GRPC_TRIES = 5;
const PAIRWISE_PATH = "/jurist.v1.JudgeService/Pairwise";

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** `GET /healthz` every 10 ms until `stop`, with each answer's latency. */
function pollHealth(url: string) {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      const response = await request(`${url}/healthz`);
      await response.body.dump();
      latencies.push(performance.now() - started);
      await sleep(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return latencies;
    },
  };
}

/**
 * Each replica's own `/health` asked from outside the gateway every 100 ms, with the gateway's
 * probe timeout (1 s): a timeout here is the replica's slowness, not the gateway's.
 */
function probeReplicas(urls: readonly string[]) {
  let timeouts = 0;
  let running = true;
  const done = Promise.all(
    urls.map(async (url) => {
      while (running) {
        try {
          const response = await request(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
          await response.body.dump();
        } catch {
          timeouts += 1;
        }
        await sleep(100);
      }
    }),
  );
  return {
    async stop() {
      running = false;
      await done;
      return timeouts;
    },
  };
}

/** The largest RSS of `pid` seen every 20 ms until `stop`. */
function sampleRss(pid: number) {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function post(url: string, body: Buffer) {
  const started = performance.now();
  const response = await request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const text = await response.body.text();
  const code = response.statusCode === 200 ? "" : ` ${JSON.parse(text).error?.code}`;
  return { status: `${response.statusCode}${code}`, ms: performance.now() - started };
}

/**
 * The floor for any Node server given these bodies: read each whole (chunks, then one
 * Buffer.concat), answer 200. Its own process, so its RSS is its own.
 */
const MINIMAL_SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    // /parse: what a server that parses before it checks the body's shape does.
    if (req.url === "/parse") JSON.parse(body.toString("utf8"));
    res.end(String(body.length));
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

async function startMinimalServer(scope: BenchScope) {
  const child = spawn(process.execPath, ["-e", MINIMAL_SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  scope.teardown(async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { url: `http://127.0.0.1:${line.trim()}`, pid: child.pid! };
}

/**
 * Times a minimal server's reading of `bodies` at once (and JSON.parse of each, with `parse`);
 * its peak RSS meanwhile.
 */
async function minimalServerReading(
  scope: BenchScope,
  bodies: readonly Buffer[],
  { parse = false } = {},
) {
  const server = await startMinimalServer(scope);
  const idle = rssBytes(server.pid);
  const rss = sampleRss(server.pid);
  const started = performance.now();
  await Promise.all(
    bodies.map(async (body) => {
      const url = parse ? `${server.url}/parse` : server.url;
      const response = await request(url, { method: "POST", body, headersTimeout: 120_000 });
      await response.body.dump();
    }),
  );
  return { ms: performance.now() - started, idle, peak: rss.stop() };
}

function logLines(logFile: string): string[] {
  return readFileSync(logFile, "utf8").split("\n");
}

function unhealthyMarks(logFile: string): number {
  return logLines(logFile).filter(
    (line) => line.includes('"replica health changed"') && line.includes('"healthy":false'),
  ).length;
}

/** The errors of the gateway's failed health polls (its log), the why of any mark. */
function pollErrors(logFile: string): string[] {
  return logLines(logFile)
    .filter((line) => line.includes('"replica poll failed"'))
    .map((line) => String(JSON.parse(line).error));
}

/** Sends `bytes` as a Pairwise request `GRPC_TRIES` times; each time and status, and the RSS peak. */
async function timedGrpcRefusals(address: string, pid: number, bytes: Buffer) {
  const rss = sampleRss(pid);
  const times: number[] = [];
  let answer = "";
  for (let attempt = 0; attempt < GRPC_TRIES; attempt++) {
    const started = performance.now();
    try {
      await rawUnaryCall(address, PAIRWISE_PATH, bytes);
      answer = "OK";
    } catch (thrown) {
      const error = thrown as ServiceError;
      answer = `${status[error.code]} ${error.metadata.get("jurist-error-code")[0] ?? ""}`.trim();
    }
    times.push(performance.now() - started);
  }
  return { times, median: percentile(times, 50), answer, peakRss: rss.stop() };
}

async function measure(scope: BenchScope) {
  const replicas = await Promise.all([startDrainingReplica(scope), startDrainingReplica(scope)]);
  const gateway = await serveGateway(
    scope,
    {
      JURIST_BACKENDS: replicas.map((replica) => replica.url).join(","),
      JURIST_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
      JURIST_LOG_LEVEL: "info",
    },
    process.env.GATEWAY_NODE_ARGS ? process.env.GATEWAY_NODE_ARGS.split(" ") : [],
  );
  progress(`gateway ${gateway.url} (pid ${gateway.pid})`);
  // Warm up: one small verdict, so routes and the replica connections exist.
  const warm = await post(
    gateway.url,
    Buffer.from(
      JSON.stringify({
        question: "warm-up",
        responses: ["a", "b"],
      }),
    ),
  );
  progress(`warm-up: ${warm.status}`);
  await sleep(1_000);
  const idleRss = rssBytes(gateway.pid);
  const rest = pollHealth(gateway.url);
  await sleep(2_000);
  const atRest = await rest.stop();

  progress("(c) a 10 MB gRPC message of empty images");
  const grpcIdleRss = rssBytes(gateway.pid);
  const flood = imagesFlood(GRPC_MESSAGE_BYTES);
  const floodRefusal = await timedGrpcRefusals(gateway.grpcAddress, gateway.pid, flood);
  const longQuestion = await timedGrpcRefusals(
    gateway.grpcAddress,
    gateway.pid,
    oneLongQuestion(GRPC_MESSAGE_BYTES),
  );
  const decodeStarted = performance.now();
  const decodedImages = fromBinary(PairwiseRequestSchema, flood).images.length;
  const decodeMs = performance.now() - decodeStarted;

  progress("(a) 60 MB of [");
  const deep = Buffer.alloc(DEEP_BODY_BYTES, "[");
  const duringDeep = pollHealth(gateway.url);
  await sleep(100);
  const refusal = await post(gateway.url, deep);
  await sleep(100);
  const deepHealth = await duringDeep.stop();
  const minimalDeep = await minimalServerReading(scope, [deep]);

  progress("(d) 21 MB of [{},{},…]");
  const wide = wideBody(WIDE_BODY_BYTES);
  await sleep(500);
  const wideIdle = rssBytes(gateway.pid);
  const wideRss = sampleRss(gateway.pid);
  const wideRefusal = await post(gateway.url, wide);
  await sleep(200);
  const widePeak = wideRss.stop();
  const minimalWide = await minimalServerReading(scope, [wide], { parse: true });

  progress(`(b) ${CONCURRENT_BODIES} concurrent bodies of ${IMAGES_PER_BODY} PNGs`);
  const bodies = Array.from({ length: CONCURRENT_BODIES }, (_, index) =>
    imageBody(index, IMAGES_PER_BODY),
  );
  progress(`bodies of ${bodies.map((body) => MB(body.length)).join(", ")}`);
  const marksBefore = unhealthyMarks(gateway.logFile);
  const errorsBefore = pollErrors(gateway.logFile).length;
  const rss = sampleRss(gateway.pid);
  const duringImages = pollHealth(gateway.url);
  const replicasFromOutside = probeReplicas(replicas.map((replica) => replica.url));
  const results = await Promise.all(bodies.map((body) => post(gateway.url, body)));
  // Two poll intervals more: a replica marked unhealthy by the burst would show by then.
  await sleep(HEALTH_INTERVAL_MS * 2);
  const peakRss = rss.stop();
  const imagesHealth = await duringImages.stop();
  const replicaTimeouts = await replicasFromOutside.stop();
  const unhealthy = unhealthyMarks(gateway.logFile) - marksBefore;
  const failedPolls = pollErrors(gateway.logFile).slice(errorsBefore);
  const minimalImages = await minimalServerReading(scope, bodies);

  const statuses = results.map((result) => result.status);
  const rows: BenchRow[] = [
    {
      measure: "(a) 60 MB body of `[`: time to its refusal",
      result: `${ms(refusal.ms)} (${refusal.status})`,
      target: "< 1 s, 400",
      baseline: `a minimal Node server reads the same body in ${ms(minimalDeep.ms)}`,
      met: refusal.ms < 1_000 && refusal.status === "400 INVALID_REQUEST",
    },
    {
      measure: "(a) `/healthz` latency during it, max (p99)",
      result: `${ms(Math.max(...deepHealth))} (${ms(percentile(deepHealth, 99))}), ${deepHealth.length} probes`,
      target: "< 100 ms",
      baseline: `at rest: max ${ms(Math.max(...atRest))} (p99 ${ms(percentile(atRest, 99))})`,
      met: Math.max(...deepHealth) < 100,
    },
    {
      measure: `(b) ${CONCURRENT_BODIES} concurrent ~60 MB bodies of ${IMAGES_PER_BODY} PNGs: peak gateway RSS`,
      result: `${MB(peakRss)} (answers: ${statuses.join(", ")})`,
      target: "< 1200 MB",
      baseline: `gateway idle ${MB(idleRss)}; a minimal Node server reading the same bodies peaks at ${MB(minimalImages.peak)} (idle ${MB(minimalImages.idle)})`,
      met: peakRss < RSS_TARGET,
    },
    {
      measure: "(b) replicas marked unhealthy during the burst",
      result:
        failedPolls.length > 0 ? `${unhealthy} (${failedPolls.join("; ")})` : String(unhealthy),
      target: "0",
      baseline: `replicas' own /health timed out (1 s) ${replicaTimeouts} times asked from outside the gateway; /healthz max during the burst ${ms(Math.max(...imagesHealth))}; at rest ${ms(Math.max(...atRest))}`,
      met: unhealthy === 0,
    },
    {
      measure: "(b) slowest answer of the burst",
      result: ms(Math.max(...results.map((result) => result.ms))),
      target: "—",
      baseline: `a minimal Node server reads all five in ${ms(minimalImages.ms)}`,
      met: true,
    },
    {
      measure: `(c) 10 MB gRPC message of ${(GRPC_MESSAGE_BYTES / 2).toLocaleString("en")} empty images: time to its refusal, median of ${GRPC_TRIES} (max)`,
      result: `${ms(floodRefusal.median)} (${ms(Math.max(...floodRefusal.times))}; ${floodRefusal.answer})`,
      target: "INVALID_ARGUMENT, well under a decode",
      baseline: `a 10 MB message of one question, decoded then refused: ${ms(longQuestion.median)} (${longQuestion.answer}); protobuf-es decoding the flood here (the gateway before the width check): ${ms(decodeMs)} for ${decodedImages.toLocaleString("en")} images`,
      met:
        floodRefusal.answer === "INVALID_ARGUMENT INVALID_REQUEST" &&
        floodRefusal.median < decodeMs / 4,
    },
    {
      measure: "(c) gateway RSS during those refusals, peak over idle",
      result: `+${MB(floodRefusal.peakRss - grpcIdleRss)}`,
      target: "—",
      baseline: `idle ${MB(grpcIdleRss)}; during the one-question messages +${MB(longQuestion.peakRss - grpcIdleRss)}`,
      met: true,
    },
    {
      measure: `(d) ${MB(wide.length)} body of \`[{},{},…]\`: time to its refusal`,
      result: `${ms(wideRefusal.ms)} (${wideRefusal.status})`,
      target: "< 1 s, 400",
      baseline: `a minimal Node server reads and JSON.parses it in ${ms(minimalWide.ms)}`,
      met: wideRefusal.ms < 1_000 && wideRefusal.status === "400 INVALID_REQUEST",
    },
    {
      measure: "(d) gateway RSS growth during it",
      result: `+${MB(Math.max(0, widePeak - wideIdle))} (peak ${MB(widePeak)})`,
      target: "—",
      baseline: `the minimal server parsing it: +${MB(Math.max(0, minimalWide.peak - minimalWide.idle))} (peak ${MB(minimalWide.peak)})`,
      met: true,
    },
  ];
  return {
    rows,
    raw: {
      idleRss,
      peakRss,
      statuses,
      results,
      unhealthy,
      failedPolls,
      replicaTimeouts,
      refusal,
      atRest,
      deepHealth,
      imagesHealth,
      minimalDeep,
      minimalImages,
      grpcIdleRss,
      floodRefusal,
      longQuestion,
      decodeMs,
      wideRefusal,
      wideIdle,
      widePeak,
      minimalWide,
    },
  };
}

await runBenchmark(300_000, async (scope) => {
  const { rows, raw } = await measure(scope);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(
    new URL("./results/hardening-memory.json", import.meta.url),
    `${JSON.stringify({ rows, raw }, null, 2)}\n`,
  );
  process.stdout.write(`${renderTable(rows)}\n`);
});
