import t, { type Test } from "tap";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { runLoad, tally } from "../../helpers/load.ts";
import { type SimProcess, spawnSim } from "../../helpers/sim-process.ts";
import { completionsServedBy, servedBetween } from "./sim-completions.ts";

/**
 * A replica that fails is taken out of rotation and brought back once well: a replica answering
 * only 500s is ejected (its failed calls retried elsewhere within the retry budget), and one
 * whose /health fails leaves at the next poll. Under load-blind routing the sick replica would
 * keep getting a third of the traffic; without failover clients would see 502s.
 */

/** A recovered replica should get a fair part of the traffic again; P2C gives it ~1/3. */
const MIN_RECOVERED_SHARE = 0.1;

async function startFleet(t: Test, env: Record<string, string> = {}) {
  const sims = await Promise.all(
    [0, 1, 2].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "20"])),
  );
  const gateway = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      // Its own registry: a champion left in the shared ./data by another run must not leak in.
      JURIST_DATA_DIR: t.testdir(),
      JURIST_HEALTH_INTERVAL_MS: "500",
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
      ...env,
    },
    { listen: true },
  );
  let seed = 0;
  const load = (durationMs: number) =>
    runLoad({
      url: `${gateway.url}/v1/judge/pairwise`,
      body: () => ({ ...validPairwiseBody(), mode: "fast", seed: seed++ }),
      concurrency: 16,
      durationMs,
    });
  const snapshotOf = (sim: SimProcess) =>
    gateway.runtime.fleet.snapshots().find((r) => r.url === sim.url)!;
  const metric = (name: string) => gateway.runtime.metrics.registry.getSingleMetricAsString(name);
  return { sims, load, snapshotOf, metric, runtime: gateway.runtime };
}

/** Polls `check` every 50 ms until true or `timeoutMs` passes; resolves to the last result. */
async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!check() && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 50));
  return check();
}

t.test("a replica answering 500s is ejected, then serves again once well", async (t) => {
  const { sims, load, snapshotOf, metric } = await startFleet(t, {
    JURIST_EJECTION_FAILURES: "3",
    JURIST_EJECTION_BASE_MS: "500",
    JURIST_EJECTION_MAX_MS: "2000",
  });
  const sick = sims[0]!;
  await sick.control({ error_rate: 1 });

  let seenEjected = false;
  const watch = setInterval(() => {
    seenEjected ||= snapshotOf(sick).ejected;
  }, 25);
  t.teardown(() => clearInterval(watch));
  const sickLoad = await load(4_000);
  clearInterval(watch);

  const counts = tally(sickLoad);
  t.comment(`while failing: ${JSON.stringify(counts)}`);
  t.same(counts, { "200": sickLoad.length }, "every client got a verdict through failover");
  t.ok(sickLoad.length > 50, `sustained load (${sickLoad.length} verdicts)`);
  t.ok(seenEjected, "the fleet snapshot showed the replica ejected");
  const ejections = await metric("jurist_replica_ejections_total");
  t.comment(ejections.split("\n").find((line) => line.includes(replicaId(sick.url))));
  t.match(
    ejections,
    new RegExp(`replica="${replicaId(sick.url)}"} [1-9]`),
    "jurist_replica_ejections_total counts it",
  );
  t.match(
    await metric("jurist_engine_retries_total"),
    /reason="status_5xx"} [1-9]/,
    "its failed calls were retried elsewhere",
  );

  await sick.control({ error_rate: 0 });
  t.ok(
    await eventually(() => !snapshotOf(sick).ejected, 3_000),
    "the ejection ends after at most JURIST_EJECTION_MAX_MS",
  );
  t.match(
    await metric("jurist_replica_ejected"),
    new RegExp(`replica="${replicaId(sick.url)}"} 0`),
    "jurist_replica_ejected says so",
  );
  const before = await completionsServedBy(sims);
  const wellLoad = await load(2_000);
  const served = servedBetween(before, await completionsServedBy(sims));
  const share = served[0]! / served.reduce((sum, count) => sum + count, 0);
  t.comment(`after recovery (recovered, other, other): ${served}`);
  t.same(tally(wellLoad), { "200": wellLoad.length }, "every verdict succeeded");
  t.ok(share >= MIN_RECOVERED_SHARE, `the recovered replica serves again (${share.toFixed(3)})`);
});

t.test("a replica whose /health fails leaves at the next poll and returns after", async (t) => {
  const { sims, load, snapshotOf, metric, runtime } = await startFleet(t);
  const sick = sims[0]!;
  await sick.control({ healthy: false });
  await runtime.fleet.pollNow();
  t.equal(snapshotOf(sick).healthy, false, "the poll took it out of rotation");
  t.match(
    await metric("jurist_replica_healthy"),
    new RegExp(`replica="${replicaId(sick.url)}"} 0`),
    "jurist_replica_healthy says so",
  );

  // /health is the only thing failing: completions sent to it would still succeed and count.
  const before = await completionsServedBy(sims);
  const outLoad = await load(2_000);
  const whileOut = servedBetween(before, await completionsServedBy(sims));
  t.comment(`while unhealthy (unhealthy, other, other): ${whileOut}`);
  t.same(tally(outLoad), { "200": outLoad.length }, "every verdict succeeded");
  t.equal(whileOut[0], 0, "it got no traffic while unhealthy");
  t.ok(whileOut[1]! > 0 && whileOut[2]! > 0, "the others served");

  await sick.control({ healthy: true });
  await runtime.fleet.pollNow();
  t.equal(snapshotOf(sick).healthy, true, "the next poll brought it back");
  const after = await completionsServedBy(sims);
  const backLoad = await load(2_000);
  const whileBack = servedBetween(after, await completionsServedBy(sims));
  const share = whileBack[0]! / whileBack.reduce((sum, count) => sum + count, 0);
  t.comment(`after returning (returned, other, other): ${whileBack}`);
  t.same(tally(backLoad), { "200": backLoad.length }, "every verdict succeeded");
  t.ok(share >= MIN_RECOVERED_SHARE, `it serves again (${share.toFixed(3)})`);
});
