import t from "tap";
import { batchSlots } from "../../../src/engine/class-admission.ts";
import { classSlots, perReplicaLimit } from "../../../src/engine/replica-capacity.ts";

/**
 * A gateway's limit per replica is its equal part of a share of the replica's `--max-num-seqs`:
 * the gateways' limits together never pass the share, whatever their number, and the cap
 * (`JURIST_REPLICA_MAX_CONCURRENCY`) only ever lowers it.
 */

t.test("one gateway admits the replica's whole share; more divide it", async (t) => {
  const capacity = { maxNumSeqs: 256, share: 1 };
  t.equal(perReplicaLimit(capacity, 1), 256, "alone: vLLM's default max-num-seqs");
  t.equal(perReplicaLimit(capacity, 2), 128, "two: half each");
  t.equal(perReplicaLimit(capacity, 20), 12, "twenty: ⌊256 / 20⌋ (was 128 each, 2,560 in all)");
  t.equal(perReplicaLimit(capacity, 0), 256, "none counted yet: this gateway alone");
});

t.test("the gateways' limits together stay within the share", async (t) => {
  for (const maxNumSeqs of [1, 7, 16, 100, 256, 1024]) {
    for (const share of [0.5, 1, 1.1, 1.5]) {
      for (let gateways = 1; gateways <= 64; gateways++) {
        const limit = perReplicaLimit({ maxNumSeqs, share }, gateways);
        // Only the floor of 1 per gateway may pass the share: a gateway must admit something.
        const bound = Math.max(gateways, Math.floor(share * maxNumSeqs + 1e-9));
        if (limit * gateways > bound) {
          t.fail(`${gateways} × ${limit} > ${bound} (seqs ${maxNumSeqs}, share ${share})`);
        }
      }
    }
  }
  t.equal(perReplicaLimit({ maxNumSeqs: 100, share: 1.1 }, 1), 110, "1.1 × 100 is 110, not 109");
  t.equal(perReplicaLimit({ maxNumSeqs: 3, share: 1 }, 10), 1, "never below one call");
});

t.test("the cap lowers the limit and never raises it", async (t) => {
  t.equal(perReplicaLimit({ maxNumSeqs: 256, share: 1, cap: 32 }, 1), 32, "cap below the share");
  t.equal(perReplicaLimit({ maxNumSeqs: 256, share: 1, cap: 32 }, 16), 16, "share below the cap");
  t.equal(perReplicaLimit({ maxNumSeqs: 256, share: 1, cap: 1000 }, 1), 256, "cap above: share");
});

t.test("class slots: interactive every slot, batch outside the reserve", async (t) => {
  const classes = { enabled: true, interactiveReserve: 0.25 };
  t.equal(classSlots(12, "interactive", classes), 12);
  t.equal(classSlots(12, "batch", classes), batchSlots(12, 0.25));
  t.equal(classSlots(12, "batch", classes), 9);
  t.equal(classSlots(12, "batch", { ...classes, enabled: false }), 12, "classes off: one limit");
});
