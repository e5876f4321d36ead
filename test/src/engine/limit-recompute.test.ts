import { pino } from "pino";
import t, { type Test } from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { createReplicaFleet } from "../../../src/engine/replica-fleet.ts";
import { fleetSettings } from "../../../src/runtime/fleet-runtime.ts";
import { ONE_LETTER_REQUEST } from "../../helpers/fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import { simMetric, until } from "../../helpers/grpc.ts";

/** A started fleet over `urls`, its settings from config with `env`; closed at teardown. */
async function configuredFleet(t: Test, urls: string[], env: Record<string, string>) {
  const config = loadConfig({ JURIST_BACKENDS: urls.join(","), ...env });
  const fleet = createReplicaFleet({
    urls,
    settings: fleetSettings(config),
    logger: pino({ level: "silent" }),
  });
  await fleet.start();
  t.teardown(() => fleet.close());
  return fleet;
}

/**
 * The per-replica limit changes while calls are in flight (the gateways counted changed): a
 * lower one cuts no call and admits no new one until the count is under it; a higher one lets a
 * waiting call in at once. On a real simulated replica held in a stall, so nothing finishes
 * until the test says so; read from counts, never timings.
 */
t.test("a changed limit keeps in-flight calls and governs new ones", async (t) => {
  const [sim] = await startSims(t, 1);
  const fleet = await configuredFleet(t, [sim!.url], {
    JURIST_REPLICA_MAX_NUM_SEQS: "4",
    // Room for the limit raised past the replica's 4 below (a pool sized by default carries
    // a lone gateway's limit, the largest the share gives, and no more).
    JURIST_ENGINE_CONNECTIONS: "8",
    // One class, one limit: the counts below are exact.
    JURIST_PRIORITY_CLASSES: "false",
    JURIST_ADMISSION_WAIT_MS: "60000",
  });
  t.equal(fleet.maxInFlightPerReplica(), 4, "alone: the replica's whole max-num-seqs");
  t.equal(fleet.capacity("interactive"), 4, "one replica in rotation: 4 calls");
  const call = () => fleet.session(undefined).complete(ONE_LETTER_REQUEST);
  const running = () => simMetric(sim!.url, "vllm:num_requests_running");
  const counts = () => fleet.classCounts("interactive");

  sim!.setOptions({ stall: true });
  const first = Array.from({ length: 4 }, call);
  t.ok(await until(async () => (await running()) === 4), "4 calls run on the replica");

  fleet.setMaxInFlightPerReplica(2);
  t.equal(fleet.snapshots()[0]!.maxInFlight, 2, "the replica's limit is 2 now");
  t.equal(fleet.capacity("interactive"), 2);
  const late = call();
  t.ok(await until(() => counts().waiting === 1), "a new call waits: 4 in flight ≥ 2");
  t.same(counts(), { inFlight: 4, waiting: 1 }, "none of the 4 was cut");

  fleet.setMaxInFlightPerReplica(8);
  t.ok(await until(() => counts().waiting === 0), "raised: the waiting call is let in at once");
  t.ok(await until(async () => (await running()) === 5), "and runs");

  sim!.setOptions({ stall: false });
  const answers = await Promise.all([...first, late]);
  t.equal(answers.length, 5, "every call answered");
  t.same(counts(), { inFlight: 0, waiting: 0 });
});

t.test("capacity per class: this process's slots over the replicas in rotation", async (t) => {
  const sims = await startSims(t, 2);
  const urls = sims.map((sim) => sim.url);
  const fleet = await configuredFleet(t, urls, { JURIST_REPLICA_MAX_NUM_SEQS: "8" });
  t.equal(fleet.capacity("interactive"), 16, "2 replicas × 8");
  t.equal(fleet.capacity("batch"), 12, "2 × ⌊8 × (1 − 0.25)⌋: batch leaves the reserve");
  sims[1]!.setOptions({ healthy: false });
  await fleet.pollNow();
  t.equal(fleet.capacity("interactive"), 8, "an unhealthy replica counts nothing");
  fleet.setMaxInFlightPerReplica(4);
  t.equal(fleet.capacity("batch"), 3, "and it follows the limit");
});

// Admission is only the real queue if every admitted call has a connection to go out on. With
// the limit a share of --max-num-seqs (256 for a lone gateway) and JURIST_ENGINE_CONNECTIONS a
// fixed 64, the calls past 64 waited in the HTTP pool's first-come queue: an interactive call
// the reserve had admitted sat behind batch calls there, and the attempt timeout (started
// before the pool) ran out on calls the replica never saw, counted against a healthy replica.
t.test("by default every call admitted to a replica goes out at once", async (t) => {
  // The stand-in runs up to 200 at once, so what it runs is what reached it.
  const [sim] = await startSims(t, 1, { maxConcurrency: 200 });
  const fleet = await configuredFleet(t, [sim!.url], {
    JURIST_REPLICA_MAX_NUM_SEQS: "80",
    JURIST_PRIORITY_CLASSES: "false",
  });
  const running = () => simMetric(sim!.url, "vllm:num_requests_running");
  sim!.setOptions({ stall: true });
  const calls = Array.from({ length: 80 }, () =>
    fleet.session(undefined).complete(ONE_LETTER_REQUEST),
  );
  t.same(fleet.classCounts("interactive"), { inFlight: 80, waiting: 0 }, "80 admitted");
  t.ok(await until(async () => (await running()) === 80), "and all 80 run on the replica, not 64");
  sim!.setOptions({ stall: false });
  t.equal((await Promise.all(calls)).length, 80);
});
