import { once } from "node:events";
import { connect } from "node:net";
import { create } from "@bufbuild/protobuf";
import { credentials, status } from "@grpc/grpc-js";
import fc from "fast-check";
import t from "tap";
import { Agent, request } from "undici";
import { Health } from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import { JudgeService, PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { clientConstructor } from "../../../src/grpc/service-definition.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startGrpcGateway, unaryCall, until } from "../../helpers/grpc.ts";
import { rawExchange } from "../../helpers/raw-http.ts";
import { type GrpcCase, type GrpcTarget, grpcCase } from "./fuzz/grpc-cases.ts";
import { type HttpCase, httpCase } from "./fuzz/http-cases.ts";
import { type RawCase, rawCase } from "./fuzz/raw-cases.ts";

/**
 * The bounded fuzz (docs/security.md, fuzz): a fixed number of generated requests, from a
 * fixed seed, over every HTTP route and every gRPC method of a real gateway in front of a
 * simulated replica. Whatever a client sends, the gateway answers: never a 5xx other than
 * 502/503/504 (gRPC: never INTERNAL or UNKNOWN), every HTTP error in the catalogue's shape
 * with an `error.code`, and it is still healthy and judging at the end.
 *
 * A failure lists the family and the request that made it; `FUZZ_SEED` and the budgets below
 * replay the same requests.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 18);
const HTTP_BUDGET = 5_000;
const GRPC_BUDGET = 1_500;
/** Requests written on raw sockets: aborted uploads, unmet `Expect`, no `Host`. */
const RAW_BUDGET = 300;
/** Requests in flight at once: enough to overlap, not a load test. */
const HTTP_CONCURRENCY = 8;
const RAW_CONCURRENCY = 2;
const GRPC_CONCURRENCY = 4;

/** HTTP statuses a fuzzed request may get: anything but a 5xx other than these. */
const ALLOWED_5XX = new Set([502, 503, 504]);
/** gRPC codes that say the server failed rather than refused: never for any input. */
const FORBIDDEN_GRPC = new Set([status.INTERNAL, status.UNKNOWN]);

/**
 * gRPC codes a family may end with although FORBIDDEN_GRPC lists them, and why. A grpc-timeout
 * that is not a timeout gets grpc-js's own INTERNAL before any Jurist code runs (grpc-js 1.14
 * BaseServerInterceptingCall.handleTimeoutHeader; no interceptor sees the call):
 * test/src/grpc/malformed-input.test.ts pins that answer, docs/grpc.md says so.
 */
const GRPC_JS_ANSWERS: Record<string, Set<number>> = {
  "grpc-bad-timeout": new Set([status.INTERNAL]),
};

interface Finding {
  family: string;
  what: string;
  request: string;
}

const clip = (text: string, max = 300) =>
  text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function describeHttp(c: HttpCase): string {
  const body =
    c.body === undefined
      ? ""
      : ` body=${clip(Buffer.isBuffer(c.body) ? `<hex ${c.body.toString("hex")}>` : c.body)}`;
  return `${c.method} ${clip(c.path, 120)} headers=${clip(JSON.stringify(c.headers), 200)}${body}`;
}

/** Sends one case; returns its status and what is wrong with the answer, if anything. */
async function sendHttp(origin: string, dispatcher: Agent, c: HttpCase) {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(`${origin}${c.path}`, {
      dispatcher,
      method: c.method as "GET",
      headers: c.headers,
      body: c.body,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    // undici refusing to send it (an invalid header value) is no finding about the gateway.
    if (code === "UND_ERR_INVALID_ARG") return { status: "refused by the client" };
    return { status: "no answer", problem: `no answer: ${code} ${(error as Error).message}` };
  }
  const text = await response.body.text();
  const code = response.statusCode;
  if (code >= 500 && !ALLOWED_5XX.has(code))
    return { status: code, problem: `${code}: ${clip(text)}` };
  if (code >= 400 && c.method !== "HEAD") {
    let parsed: { error?: { code?: unknown } } | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {}
    if (typeof parsed?.error?.code !== "string") {
      return { status: code, problem: `${code} without error.code: ${clip(text)}` };
    }
  }
  return { status: code };
}

/** Writes one raw case; an aborted upload reads nothing, any other is judged like sendHttp's. */
async function sendRaw(origin: string, c: RawCase) {
  if (c.abort) {
    const { hostname, port } = new URL(origin);
    const socket = connect(Number(port), hostname);
    socket.on("error", () => {});
    await once(socket, "connect");
    for (const chunk of c.chunks) {
      if (typeof chunk === "number") await new Promise((r) => setTimeout(r, chunk));
      else socket.write(chunk);
    }
    socket.destroy();
    return { status: "aborted" };
  }
  const answer = await rawExchange(origin, c.chunks);
  const code = answer.status;
  if (code === 0) return { status: "no answer", problem: `no answer: ${clip(answer.text)}` };
  if (code >= 500 && !ALLOWED_5XX.has(code)) {
    return { status: code, problem: `${code}: ${clip(answer.text)}` };
  }
  const body = answer.body as { error?: { code?: unknown } } | undefined;
  if (code >= 400 && typeof body?.error?.code !== "string") {
    return { status: code, problem: `${code} without error.code: ${clip(answer.text)}` };
  }
  return { status: code };
}

t.test("the bounded fuzz: every route, a fixed seed, no 5xx but 502/503/504", async (t) => {
  const [sim] = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sim!.url,
    // Image URLs are refused before connecting: a fuzz run never fetches anything.
    JURIST_IMAGE_FETCH_ALLOW: "",
    JURIST_REQUEST_TIMEOUT_MS: "10000",
    JURIST_HEADERS_TIMEOUT_MS: "5000",
    JURIST_BODY_TIMEOUT_MS: "10000",
  });
  const findings: Finding[] = [];
  const seen = new Map<string, Map<string, number>>();
  const count = (family: string, outcome: string) => {
    const byOutcome = seen.get(family) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    seen.set(family, byOutcome);
  };

  const httpCases = fc.sample(httpCase, { seed: SEED, numRuns: HTTP_BUDGET });
  const grpcCases = fc.sample(grpcCase, { seed: SEED, numRuns: GRPC_BUDGET });
  const rawCases = fc.sample(rawCase, { seed: SEED, numRuns: RAW_BUDGET });
  const dispatcher = new Agent({ connections: HTTP_CONCURRENCY, keepAliveTimeout: 10_000 });
  t.teardown(() => dispatcher.close());

  // Clients of their own, on their own connection, closed before the server is.
  const JudgeClient = clientConstructor(JudgeService);
  const HealthClient = clientConstructor(Health);
  const own = { "grpc.use_local_subchannel_pool": 1 };
  const address = gateway.grpc.address;
  const target: GrpcTarget = {
    address,
    judge: new JudgeClient(address, credentials.createInsecure(), own),
    health: new HealthClient(address, credentials.createInsecure(), own),
  };
  t.teardown(() => {
    target.judge.close();
    target.health.close();
  });

  const started = performance.now();
  await Promise.all([
    pool(httpCases, HTTP_CONCURRENCY, async (c) => {
      const { status: outcome, problem } = await sendHttp(gateway.url, dispatcher, c);
      count(c.family, String(outcome));
      if (problem) findings.push({ family: c.family, what: problem, request: describeHttp(c) });
    }),
    pool(rawCases, RAW_CONCURRENCY, async (c) => {
      const { status: outcome, problem } = await sendRaw(gateway.url, c);
      count(c.family, String(outcome));
      if (problem)
        findings.push({ family: c.family, what: problem, request: clip(c.chunks.join(" "), 400) });
    }),
    pool(grpcCases, GRPC_CONCURRENCY, async (c: GrpcCase) => {
      const code = await c.run(target);
      count(c.family, status[code] ?? String(code));
      if (FORBIDDEN_GRPC.has(code) && !GRPC_JS_ANSWERS[c.family]?.has(code)) {
        findings.push({ family: c.family, what: status[code]!, request: clip(c.label, 400) });
      }
    }),
  ]);
  const seconds = (performance.now() - started) / 1000;
  const budget = HTTP_BUDGET + GRPC_BUDGET + RAW_BUDGET;
  t.comment(`${budget} requests (seed ${SEED}) in ${seconds.toFixed(1)} s`);
  for (const [family, outcomes] of [...seen].sort()) {
    t.comment(`${family}: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  }
  t.equal(
    [...seen.values()].reduce((sum, o) => sum + [...o.values()].reduce((a, b) => a + b, 0), 0),
    budget,
    "every request of the budget was sent",
  );
  for (const family of [...seen.keys()].sort()) {
    const found = findings.filter((f) => f.family === family);
    t.test(family, async (t) => {
      t.same(
        found.slice(0, 5).map((f) => `${f.what} ← ${f.request}`),
        [],
        `${found.length} findings (first 5 shown)`,
      );
    });
  }

  const health = await request(`${gateway.url}/healthz`);
  t.equal(health.statusCode, 200, "the gateway is alive afterwards");
  await health.body.dump();
  const verdict = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...validPairwiseBody(), cache: false }),
  });
  t.equal(verdict.statusCode, 200, "and still judges over HTTP");
  await verdict.body.dump();
  const grpcVerdict = await unaryCall(
    gateway.judge,
    gateway.judge.pairwise,
    create(PairwiseRequestSchema, { question: "Q?", responses: ["a", "b"], cache: false }),
  );
  t.ok(grpcVerdict.verdict, "and over gRPC");
  // Every request has ended, aborted uploads included: not a byte of the budget is still held.
  const { inflight } = gateway.runtime;
  t.ok(
    await until(() => inflight.used() === 0 && inflight.open() === 0),
    `the in-flight budget is whole again (used ${inflight.used()}, open ${inflight.open()})`,
  );
});
