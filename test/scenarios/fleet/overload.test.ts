import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import t from "tap";
import { Agent, request } from "undici";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { type LoadResult, tally } from "../../helpers/load.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

/**
 * Far more load than the replicas' concurrency limits admit: the excess must be shed at once
 * with 503 OVERLOADED + Retry-After, never queued without bound, while admitted verdicts finish.
 */

const CONCURRENCY = 48;
const ROUND_MS = 2_500;
const ROUNDS = 3;

// Heap figures mean more after a full collection; tap does not start Node with --expose-gc.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

interface ShedResult extends LoadResult {
  retryAfter: string | undefined;
}

/** Closed-loop load like `runLoad`, keeping each answer's Retry-After header. */
async function loadKeepingRetryAfter(url: string, seed: { next: number }): Promise<ShedResult[]> {
  const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  const results: ShedResult[] = [];
  const stopAt = Date.now() + ROUND_MS;
  async function worker(): Promise<void> {
    while (Date.now() < stopAt) {
      const startedAt = Date.now();
      const response = await request(url, {
        method: "POST",
        dispatcher,
        // Every request must reach a replica: no verdict cache, no prompt collection.
        body: JSON.stringify({
          ...validPairwiseBody(),
          cache: false,
          collect: false,
          seed: seed.next++,
        }),
        headers: { "content-type": "application/json" },
      });
      const body = (await response.body.json()) as { error?: { code?: string } };
      const retryAfter = response.headers["retry-after"];
      results.push({
        status: response.statusCode,
        code: response.statusCode === 200 ? null : (body.error?.code ?? null),
        retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
        startedAt,
        endedAt: Date.now(),
      });
    }
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await dispatcher.close();
  }
  return results;
}

/** Engine calls still in flight: cancelled siblings of shed verdicts settle just after the reply. */
async function settledInFlight(runtime: Runtime): Promise<number[]> {
  const inFlight = () => runtime.fleet.snapshots().map((r) => r.inFlight);
  for (let tries = 0; tries < 100 && inFlight().some((n) => n !== 0); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return inFlight();
}

t.test("48-way load on 2 replicas × 2 slots: excess shed with 503 + Retry-After", async (t) => {
  const sims = await Promise.all(
    [0, 1].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "200"])),
  );
  const { url, runtime } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_DATA_DIR: t.testdir(),
      JURIST_REPLICA_MAX_CONCURRENCY: "2",
      JURIST_ADMISSION_WAIT_MS: "50",
      // Shedding here must come from replica capacity, not from the test machine's event loop.
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    },
    { listen: true },
  );

  const seed = { next: 0 };
  let shedResponses = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const results = await loadKeepingRetryAfter(`${url}/v1/judge/pairwise`, seed);
    const counts = tally(results);
    const shed = results.filter((r) => r.status === 503);
    shedResponses += shed.length;
    collectGarbage();
    const heapMiB = (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
    t.comment(`round ${round}: ${JSON.stringify(counts)}; heapUsed after GC ${heapMiB} MiB`);
    t.same(
      Object.keys(counts).sort(),
      ["200", "503 OVERLOADED"],
      `round ${round}: only verdicts and OVERLOADED`,
    );
    t.ok((counts["200"] ?? 0) > 0, `round ${round}: admitted verdicts completed`);
    t.ok(shed.length > 0, `round ${round}: the excess was shed`);
    t.ok(
      shed.every((r) => r.retryAfter === "1"),
      `round ${round}: every 503 carries Retry-After`,
    );
    t.equal(runtime.fleet.waitingForCapacity(), 0, `round ${round}: nobody left waiting`);
    t.same(await settledInFlight(runtime), [0, 0], `round ${round}: no call left in flight`);
  }

  const shedMetric = await runtime.metrics.registry.getSingleMetricAsString(
    "jurist_shed_requests_total",
  );
  const shedCount = Number(/reason="replica_capacity"\} (\d+)/.exec(shedMetric)?.[1] ?? 0);
  const calls = await runtime.metrics.registry.getSingleMetricAsString(
    "jurist_engine_requests_total",
  );
  t.comment(
    calls
      .split("\n")
      .filter((line) => !line.startsWith("#"))
      .join("; "),
  );
  t.ok(
    shedCount > 0,
    `jurist_shed_requests_total{reason="replica_capacity"} = ${shedCount} (${shedResponses} responses were 503)`,
  );
});
