import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { defaultConnections, fleetSettings } from "../../../src/runtime/fleet-runtime.ts";

// Admission may let in up to twice a lone gateway's per-replica limit (a pair's sibling order
// rides along on its partner's replica, an interactive one even past the limit), and every call
// it lets in must have a connection, or it waits in undici's first-come queue out of priority
// order with its attempt timeout running. test/scenarios/fleet/priority.test.ts saw it: with the
// pool sized to the limit (4), an interactive pair admitted past the lent slot never reached the
// replica.
t.test("completion connections per replica cover what admission lets in", async (t) => {
  const connections = (env: Record<string, string>) => defaultConnections(loadConfig(env));
  t.equal(connections({}), 512, "the lone default limit 256, twice");
  t.equal(connections({ JURIST_REPLICA_MAX_CONCURRENCY: "4" }), 64, "never below the old 64");
  t.equal(connections({ JURIST_REPLICA_MAX_NUM_SEQS: "100" }), 200);
  t.equal(
    connections({ JURIST_REPLICA_MAX_NUM_SEQS: "1024", JURIST_REPLICA_CAPACITY_SHARE: "1.5" }),
    1_024,
    "at most JURIST_ENGINE_CONNECTIONS' own maximum",
  );
  t.equal(
    fleetSettings(loadConfig({ JURIST_ENGINE_CONNECTIONS: "8" })).connectionsPerReplica,
    8,
    "an explicit setting keeps its meaning",
  );
  t.equal(fleetSettings(loadConfig({})).connectionsPerReplica, 512);
});
