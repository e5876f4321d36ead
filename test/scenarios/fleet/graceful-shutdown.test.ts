import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import t from "tap";
import { Agent, request } from "undici";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { type LoadResult, runLoad, tally } from "../../helpers/load.ts";
import { spawnSim, type Teardown } from "../../helpers/sim-process.ts";

/**
 * SIGTERM to the real gateway process while verdicts are in flight: those finish with 200,
 * whatever comes after is refused (503 OVERLOADED while draining, or a refused connection
 * once the listener is closed), /readyz says not_ready, and the process exits 0.
 */

const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;
const LISTENING = /Jurist listens on (http:\/\/\S+?)\. Try:/;
const CONCURRENCY = 16;
/** What a request sent after SIGTERM may get. */
const REFUSED = ["503 OVERLOADED", "null ECONNREFUSED"];

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** `jurist serve` as its own process; resolves with the URL it prints once listening. */
async function spawnGateway(t: Teardown, env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      const match = LISTENING.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

/** Every request must reach a replica: no verdict cache, no prompt collection. */
function freshBody(): Record<string, unknown> {
  return { ...validPairwiseBody(), cache: false, collect: false };
}

async function postVerdict(url: string, dispatcher: Agent): Promise<LoadResult> {
  const startedAt = Date.now();
  try {
    const response = await request(`${url}/v1/judge/pairwise`, {
      method: "POST",
      dispatcher,
      body: JSON.stringify(freshBody()),
      headers: { "content-type": "application/json" },
    });
    const body = (await response.body.json()) as { error?: { code?: string } };
    const code = response.statusCode === 200 ? null : (body.error?.code ?? null);
    return { status: response.statusCode, code, startedAt, endedAt: Date.now() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return { status: null, code, startedAt, endedAt: Date.now() };
  }
}

/** Engine calls the gateway has in flight, from /readyz. */
async function engineCallsInFlight(url: string): Promise<number> {
  const response = await request(`${url}/readyz`);
  const body = (await response.body.json()) as { replicas: { in_flight: number }[] };
  return body.replicas.reduce((sum, r) => sum + r.in_flight, 0);
}

/**
 * A raw HTTP/1.1 request whose head is sent now but not ended, so its connection is busy (not
 * idle) when the drain starts; `finish` sends the rest and resolves with the whole response.
 */
async function holdRequest(url: string, head: string, body = "") {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, "connect");
  socket.setEncoding("utf8");
  let response = "";
  socket.on("data", (chunk: string) => {
    response += chunk;
  });
  const ended = once(socket, "close");
  socket.write(`${head}\r\nhost: ${hostname}\r\n`);
  return {
    async finish(): Promise<{ status: number; headers: string; body: string }> {
      socket.end(`\r\n${body}`);
      await ended;
      const [headers = "", text = ""] = response.split("\r\n\r\n");
      return { status: Number(headers.split(" ")[1]), headers: headers.toLowerCase(), body: text };
    },
  };
}

/** Polls `check` for up to ~10 s; the assertions after it say what never happened. */
async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 1_000 && !check(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Well under tap's limit and far under the gateway's 72 s keep-alive timeout: a drain that waited
// for idle keep-alive connections to time out would fail here.
t.test(
  "SIGTERM under 16-way load: in-flight finish, later refused",
  { timeout: 50_000 },
  async (t) => {
    const sims = await Promise.all(
      [0, 1].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "300"])),
    );
    const gateway = await spawnGateway(t, {
      PORT: "0",
      GRPC_PORT: "0",
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: t.testdir(),
    });

    const warmup = await runLoad({
      url: `${gateway.url}/v1/judge/pairwise`,
      body: freshBody,
      concurrency: CONCURRENCY,
      durationMs: 1_500,
    });
    t.same(tally(warmup), { "200": warmup.length }, `warm-up: ${warmup.length} verdicts`);

    // Two requests whose heads are on the wire before the signal and end after it.
    const verdict = JSON.stringify(freshBody());
    const heldVerdict = await holdRequest(
      gateway.url,
      `POST /v1/judge/pairwise HTTP/1.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(verdict)}`,
      verdict,
    );
    const heldReadiness = await holdRequest(gateway.url, "GET /readyz HTTP/1.1");

    // A wave of 16 verdicts, each with both orders confirmed in flight before the signal; each
    // worker sends one more verdict once its own is answered, after the signal.
    const dispatcher = new Agent({ connections: CONCURRENCY });
    t.teardown(() => dispatcher.destroy());
    let answered = 0;
    const wave = Array.from({ length: CONCURRENCY }, async () => {
      const before = await postVerdict(gateway.url, dispatcher);
      answered++;
      return { before, after: await postVerdict(gateway.url, dispatcher) };
    });
    let inFlight = 0;
    for (let tries = 0; tries < 500 && inFlight < 2 * CONCURRENCY; tries++) {
      inFlight = await engineCallsInFlight(gateway.url);
    }
    t.equal(inFlight, 2 * CONCURRENCY, "both orders of all 16 verdicts in flight at SIGTERM");
    gateway.child.kill("SIGTERM");
    await until(() => gateway.stderr().includes("SIGTERM: draining"));
    t.match(gateway.stderr(), /SIGTERM: draining/, "the gateway began to drain");

    const readiness = await heldReadiness.finish();
    const refused = await heldVerdict.finish();
    // Fresh connections, once the drain is visibly under way.
    await until(() => answered > 0);
    const fresh: LoadResult[] = [];
    const freshAgent = new Agent({ pipelining: 0 });
    t.teardown(() => freshAgent.destroy());
    while (gateway.child.exitCode === null && fresh.length < 20) {
      fresh.push(await postVerdict(gateway.url, freshAgent));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const results = await Promise.all(wave);
    const code = await gateway.exited;

    const before = tally(results.map((r) => r.before));
    const after = tally([...results.map((r) => r.after), ...fresh]);
    t.comment(`sent before SIGTERM: ${JSON.stringify(before)}; after: ${JSON.stringify(after)}`);
    t.same(before, { "200": CONCURRENCY }, "every verdict in flight at SIGTERM got its verdict");
    t.same(
      Object.keys(after).filter((key) => !REFUSED.includes(key)),
      [],
      "verdicts asked for after SIGTERM: 503 OVERLOADED or a refused connection, nothing else",
    );
    t.equal(readiness.status, 503, "/readyz during the drain: 503");
    t.match(
      JSON.parse(readiness.body),
      { status: "not_ready", reason: "shutting down" },
      "not_ready, shutting down",
    );
    t.equal(refused.status, 503, "a verdict asked for during the drain: 503");
    t.match(JSON.parse(refused.body), { error: { code: "OVERLOADED" } }, "OVERLOADED");
    t.match(refused.headers, /\r\nretry-after: 1/, "with Retry-After");
    t.equal(code, 0, "the gateway exits 0");
  },
);
