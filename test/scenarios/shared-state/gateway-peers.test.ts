import t, { type Test } from "tap";
import { request } from "undici";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { simMetric, until } from "../../helpers/grpc.ts";
import { sameAs, servedShare, share } from "../../helpers/peer-share.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { serveGateway } from "../../helpers/serve-process.ts";

/**
 * Real gateways on one real Redis in front of one simulated replica of small capacity
 * (`--max-num-seqs` 8): each gateway's per-replica limit is its part of the replica as the
 * gateways count each other, halving when a second joins, a third, back when one is killed
 * (no goodbye: its beat expires) or leaves. And the fleet's sum: what the gateways together
 * keep in flight at a stalled replica never passes its capacity, where gateways that do not
 * count each other admit it twice over. Read from the gateways' metrics and the replica's own
 * counts, never timings.
 */

const SEQS = 8;

async function fleet(t: Test, env: Record<string, string> = {}) {
  const redis = await startRedis(t);
  const [sim] = await startSims(t, 1, { maxConcurrency: SEQS });
  const shared = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sim!.url,
    JURIST_REPLICA_MAX_NUM_SEQS: String(SEQS),
    JURIST_GATEWAY_PEERS_INTERVAL_MS: "100",
    JURIST_HEALTH_INTERVAL_MS: "200",
    JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    ...env,
  };
  const gateway = () => buildGateway(t, shared, { listen: true });
  return { redis, sim: sim!, shared, gateway, closable: () => closableGateway(t, shared) };
}

/** A gateway the test closes itself (once: its teardown runs then, or at the end if not). */
async function closableGateway(t: Test, env: Record<string, string>) {
  const steps: (() => unknown)[] = [];
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      for (const step of steps) await step();
    })();
    return closed;
  };
  t.teardown(close);
  const built = await buildGateway({ teardown: (step) => steps.push(step) }, env, { listen: true });
  return { ...built, close };
}

t.test("each gateway's limit follows the gateways counted: joins, a kill, a leave", async (t) => {
  const { shared, gateway, closable } = await fleet(t);
  const a = await gateway();
  t.same(await share(a.runtime), [1, SEQS], "alone: the replica's whole max-num-seqs");

  const b = await closable();
  t.ok(await sameAs(() => share(a.runtime), [2, 4]), "a second gateway: A halves to 4");
  t.ok(await sameAs(() => share(b.runtime), [2, 4]), "and B has 4");
  t.equal(a.runtime.fleet.snapshots()[0]!.maxInFlight, 4, "the replica's limit itself");

  // A third, as its own `jurist serve` process, to be killed without a goodbye.
  const c = await serveGateway(t, shared);
  t.ok(await sameAs(() => servedShare(c.url), [3, 2]), "a third: ⌊8 / 3⌋ = 2 each");
  t.ok(await sameAs(() => share(a.runtime), [3, 2]));
  t.ok(await sameAs(() => share(b.runtime), [3, 2]));

  process.kill(c.pid, "SIGKILL");
  t.ok(await sameAs(() => share(a.runtime), [2, 4]), "killed: its beat expires, back to 4");
  t.ok(await sameAs(() => share(b.runtime), [2, 4]));

  await b.close();
  t.ok(await sameAs(() => share(a.runtime), [1, SEQS]), "B leaves: A has the replica again");
});

/** Batch verdicts (they wait for room rather than ride along past the limit), in flight. */
function batchVerdicts(url: string, count: number) {
  return Array.from({ length: count }, async (_, seed) => {
    const response = await request(`${url}/v1/judge/pairwise`, {
      method: "POST",
      body: JSON.stringify({ ...validPairwiseBody(), mode: "fast", cache: false, seed }),
      headers: { "content-type": "application/json", "x-jurist-priority": "batch" },
    });
    await response.body.dump();
    return response.statusCode;
  });
}

/** Two gateways saturating a stalled replica; what the replica holds (running + waiting). */
async function saturate(t: Test, env: Record<string, string>) {
  const { sim, gateway } = await fleet(t, { JURIST_COLLECT_RATE: "0", ...env });
  const gateways = [await gateway(), await gateway()];
  const limit = env.JURIST_GATEWAY_PEERS === "1" ? SEQS : SEQS / 2;
  for (const { runtime } of gateways) {
    t.ok(await sameAs(() => share(runtime), [Number(env.JURIST_GATEWAY_PEERS ?? 2), limit]));
  }
  sim.setOptions({ stall: true });
  const answers = gateways.flatMap(({ url }) => batchVerdicts(url, 12));
  for (const { runtime } of gateways) {
    const counts = () => runtime.fleet.classCounts("batch");
    t.ok(
      await until(() => counts().inFlight === limit && counts().waiting > 0),
      `a gateway holds its ${limit} slots, the rest of its load waiting`,
    );
  }
  t.ok(
    await until(async () => (await simMetric(sim.url, "vllm:num_requests_running")) === SEQS),
    "the replica runs its max-num-seqs",
  );
  const held =
    (await simMetric(sim.url, "vllm:num_requests_running")) +
    (await simMetric(sim.url, "vllm:num_requests_waiting"));
  sim.setOptions({ stall: false });
  t.same([...new Set(await Promise.all(answers))], [200], "every verdict answered in the end");
  return held;
}

t.test("the gateways together keep at most the replica's capacity in flight", async (t) => {
  const held = await saturate(t, {});
  t.equal(held, SEQS, "2 gateways × 4: the replica holds its 8, nothing queued inside it");
});

t.test("baseline: gateways that do not count each other admit it twice over", async (t) => {
  // A fixed count of 1 is what every gateway assumed before: its own limit per replica.
  const held = await saturate(t, { JURIST_GATEWAY_PEERS: "1" });
  t.equal(held, 2 * SEQS, "2 gateways × 8: 16 at the replica, 8 of them in vLLM's queue");
});
