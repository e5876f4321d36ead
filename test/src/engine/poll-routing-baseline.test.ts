import t from "tap";
import { createEngineClient } from "../../../src/engine/engine-client.ts";
import { pollReplica } from "../../../src/engine/replica-poller.ts";
import { newReplica } from "../../../src/engine/replica-record.ts";
import { extrapolatedLoad } from "../../../src/engine/replica-routing.ts";
import { choiceFieldFor } from "../../../src/engine/vllm-version.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

// Routing's estimate (extrapolatedLoad) counts this gateway's calls since the engine's queue was
// read: the poller must note its in-flight count at that read, and only then.
t.test("a poll records this gateway's in-flight count beside the engine's queue", async (t) => {
  const sim = await spawnSim(t);
  const client = createEngineClient({
    baseUrl: sim.url,
    connections: 2,
    keepAliveMs: 4_000,
    probeTimeoutMs: 1_000,
    probeConnections: 1,
  });
  t.teardown(() => client.close());
  const replica = newReplica(sim.url, client, {
    maxInFlight: 8,
    choiceField: choiceFieldFor("auto", null),
  });
  replica.inFlight = 3;
  await pollReplica(replica, "auto");
  t.ok(replica.healthy);
  t.equal(replica.inFlightAtPoll, 3, "noted at the read");
  t.same([replica.running, replica.waiting], [0, 0], "the idle sim's queue, as read");

  replica.inFlight = 5;
  t.equal(replica.inFlightAtPoll, 3, "calls sent since are not the poll's");
  // The counts were set by hand, so the idle sim saw none of them: 0 at the poll + 1 × (5 − 3)
  // = 2, below the 5 this gateway certainly has there.
  t.equal(extrapolatedLoad([replica], Date.now())(replica), 5, "never below its own 5");
  await pollReplica(replica, "auto");
  t.equal(replica.inFlightAtPoll, 5, "the next poll notes the count then");
});
