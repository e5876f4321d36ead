import { pino } from "pino";
import t from "tap";
import type { ReplicaSnapshot } from "../../../src/engine/fleet-types.ts";
import type { AdapterCallResult } from "../../../src/registry/replica-adapters.ts";
import { createReplicaStaging } from "../../../src/registry/replica-staging.ts";
import type { CheckpointRecord } from "../../../src/store/checkpoint-registry.ts";

// Every gateway runs the reconcile loop (every JURIST_RECONCILE_INTERVAL_MS, 15 s), and each
// round tries a replica that refuses the champion again: 20 gateways logged a warning 80 times
// a minute per such replica, for as long as it lasted. The counter counts every refusal; the
// log says it once per replica and cause, and again only after a load there succeeded.
t.test("a replica that keeps refusing a load is logged once, each refusal counted", async (t) => {
  const lines: { msg: string; replica?: string }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  let answer: AdapterCallResult = {
    ok: false,
    reason: "failed",
    status: 400,
    message: "No adapter found for champion",
  };
  const counted: string[] = [];
  const staging = createReplicaStaging({
    fleet: { snapshots: () => [], pollNow: async () => {} },
    adapters: { load: async () => answer, unload: async () => ({ ok: true }) },
    logger,
    loadTimeoutMs: 1_000,
    pollIntervalMs: 10,
    mustKeep: async () => true,
    onLoadFailed: (replica) => counted.push(replica),
  });
  const record = { id: "champion", kind: "lora", uri: "/adapters/champion" } as CheckpointRecord;
  const replica = { url: "http://replica-1:8000" } as ReplicaSnapshot;
  const refusals = () => lines.filter((l) => l.msg === "replica could not load the adapter");

  for (let round = 0; round < 5; round++) {
    const { failed } = await staging.loadOn(record, [replica]);
    t.equal(failed.length, 1, "each round reports the refusal to its caller");
  }
  t.equal(counted.length, 5, "each refusal counted (jurist_promotion_load_failures_total)");
  t.equal(refusals().length, 1, "logged once, not once per round");

  answer = { ok: true };
  await staging.loadOn(record, [replica]);
  answer = { ok: false, reason: "failed", status: 400, message: "No adapter found for champion" };
  await staging.loadOn(record, [replica]);
  t.equal(refusals().length, 2, "a refusal after a success is news again");
});
