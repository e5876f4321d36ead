import { createServer as createHttpServer } from "node:http";
import { createServer, type Socket } from "node:net";
import t from "tap";
import { createEngineClient } from "../../../src/engine/engine-client.ts";
import type { Replica } from "../../../src/engine/fleet-types.ts";
import { type LoopStalls, watchLoopStalls } from "../../../src/engine/loop-stalls.ts";
import { pollReplica } from "../../../src/engine/replica-poller.ts";
import { newReplica } from "../../../src/engine/replica-record.ts";
import { choiceFieldFor } from "../../../src/engine/vllm-version.ts";
import { listenOnLoopback } from "../../helpers/loopback-server.ts";
import { spawnSim, type Teardown } from "../../helpers/sim-process.ts";

/**
 * The gateway's health poller against the gateway's own stalls. The replica is a simulated one
 * in its own process, so blocking this process's event loop blocks only the gateway: the
 * replica answers during the stall, and only the probe's timeout (1 s, the fleet's floor)
 * firing first, as libuv runs due timers before it reads sockets, could fail the probe.
 */

const PROBE_TIMEOUT_MS = 1_000;

function replicaAt(t: Teardown, url: string): Replica {
  const client = createEngineClient({
    baseUrl: url,
    connections: 2,
    probeConnections: 1,
    keepAliveMs: 4_000,
    probeTimeoutMs: PROBE_TIMEOUT_MS,
  });
  t.teardown(() => client.close());
  const replica = newReplica(url, client, {
    maxInFlight: 4,
    choiceField: choiceFieldFor("auto", null),
  });
  return { ...replica, healthy: true };
}

/** Blocks this process's event loop, as a huge synchronous parse would. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** A stall watcher that never sees one: the poller as it was before stall detection. */
const BLIND: LoopStalls = { longestSince: () => 0, stop: () => {} };

/** Polls while the loop is blocked longer than the probe timeout, right after the probe left. */
async function pollThroughStall(replica: Replica, stalls: LoopStalls) {
  const polled = pollReplica(replica, "auto", stalls);
  busyWait(PROBE_TIMEOUT_MS * 1.5);
  return polled;
}

t.test("a stall of the gateway's own loop does not mark a healthy replica unhealthy", async (t) => {
  const sim = await spawnSim(t);
  const stalls = watchLoopStalls();
  t.teardown(() => stalls.stop());
  const replica = replicaAt(t, sim.url);
  await pollReplica(replica, "auto", stalls);
  t.ok(replica.healthy, "healthy before the stall");

  const result = await pollThroughStall(replica, stalls);
  t.ok(replica.healthy, "still healthy: the timed-out probe was asked again after the stall");
  t.equal(result.healthChanged, false);
  t.equal(replica.lastError, null);

  // The same stall with the stall detection blind: the probe's own timeout fails it, which is
  // what ejected healthy replicas under large bodies (issue 18, finding 2).
  const blind = replicaAt(t, sim.url);
  await pollReplica(blind, "auto", BLIND);
  t.ok(blind.healthy);
  await pollThroughStall(blind, BLIND);
  t.notOk(blind.healthy, "without stall detection the same stall marks it unhealthy");
  t.match(blind.lastError, /abort|timeout|did not answer/i);
});

/** Accepts connections and never answers; its base URL. */
async function silentServer(t: Teardown): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

t.test("a replica that does not answer is still marked unhealthy", async (t) => {
  // The probe times out with the loop running freely.
  const stalls = watchLoopStalls();
  t.teardown(() => stalls.stop());
  const replica = replicaAt(t, await silentServer(t));
  const result = await pollReplica(replica, "auto", stalls);
  t.notOk(replica.healthy, "an unresponsive replica is unhealthy");
  t.equal(result.healthChanged, true);
});

/**
 * A loop that stood still through every probe, as under sustained load: every failure a
 * probe meets overlaps a stall far past the threshold.
 */
const ALWAYS_STALLED: LoopStalls = { longestSince: () => 10 * PROBE_TIMEOUT_MS, stop: () => {} };

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test("a stall excuses only timeouts: refused and 503 replicas go unhealthy", async (t) => {
  // A replica that is gone: its port refuses connections. No stall makes a refusal happen.
  const refused = replicaAt(t, `http://127.0.0.1:${await closedPort()}`);
  const refusedPoll = await pollReplica(refused, "auto", ALWAYS_STALLED);
  t.notOk(refused.healthy, "a refused connection counts during a stall");
  t.equal(refusedPoll.healthChanged, true);

  // A replica that answers, and answers that it is not well.
  const sick = replicaAt(
    t,
    await listenOnLoopback(
      t,
      createHttpServer((_request, response) => {
        response.writeHead(503, { "content-type": "text/plain" });
        response.end("engine dead");
      }),
    ),
  );
  const sickPoll = await pollReplica(sick, "auto", ALWAYS_STALLED);
  t.notOk(sick.healthy, "a 503 from /health counts during a stall");
  t.equal(sickPoll.healthChanged, true);
  t.match(sick.lastError, /503/);

  // The counterpart: a replica that never answers times out, which the same stall excuses.
  const silent = replicaAt(t, await silentServer(t));
  const silentPoll = await pollReplica(silent, "auto", ALWAYS_STALLED);
  t.ok(silent.healthy, "a timeout during a stall is not the replica's failure");
  t.equal(silentPoll.healthChanged, false);
});

t.test("the stall watcher measures a stall that overlaps the window", async (t) => {
  const stalls = watchLoopStalls(10);
  t.teardown(() => stalls.stop());
  await new Promise((resolve) => setTimeout(resolve, 30));
  const before = performance.now();
  busyWait(300);
  t.ok(stalls.longestSince(before) >= 250, "the stall ending now is seen before any tick");
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.ok(stalls.longestSince(before) >= 250, "and remembered after the heartbeat ran");
  t.ok(stalls.longestSince(performance.now()) < 1, "not by a window that starts after it");
});
