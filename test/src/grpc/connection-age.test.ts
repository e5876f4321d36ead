// Maximum connection age, as grpc-js 1.14.7 implements it (node_modules/@grpc/grpc-js, the
// version in package-lock.json): the server (src/server.ts, `_sessionHandler`) arms a timer at
// `grpc.max_connection_age_ms` ± 10% per connection, then sends GOAWAY (NO_ERROR, last stream id
// 2^31 − 1) and `session.close()`s, which lets streams in flight finish; with
// `grpc.max_connection_age_grace_ms` set, the session is destroyed that long after. The client
// (src/transport.ts, the `goaway` handler) drops the connection from use and its next call opens
// a new one; a call refused on the closing connection is retried transparently
// (src/retrying-call.ts, progress REFUSED). A TCP proxy in front of the gateway counts the
// connections the real grpc-js client opens.
import { connect, createServer, type Socket } from "node:net";
import { create } from "@bufbuild/protobuf";
import { credentials, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import { JudgeService, PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { connectionAgeOptions } from "../../../src/grpc/grpc-server.ts";
import { clientConstructor } from "../../../src/grpc/service-definition.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import { startGrpcGateway, unaryCall, until } from "../../helpers/grpc.ts";

const HealthClient = clientConstructor(Health);
const JudgeClient = clientConstructor(JudgeService);

/** A loopback TCP proxy to `target` (`host:port`) that counts the connections made through it. */
async function countingProxy(
  t: Teardown,
  target: string,
): Promise<{ address: string; connections: () => number }> {
  const colon = target.lastIndexOf(":");
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port: listening } = server.address() as { port: number };
  return { address: `127.0.0.1:${listening}`, connections: () => connections };
}

t.test("past the maximum age the client reconnects, and no call fails", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: 300 });
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sim!.url,
    JURIST_GRPC_MAX_CONNECTION_AGE_MS: "150",
  });
  const proxy = await countingProxy(t, gateway.grpc.address);
  const health = new HealthClient(proxy.address, credentials.createInsecure());
  const judge = new JudgeClient(proxy.address, credentials.createInsecure());
  t.teardown(() => {
    health.close();
    judge.close();
  });

  // A Watch stream opened on the first connection outlives its GOAWAY: with no grace set, calls
  // in flight finish however long they take.
  const watch = health.watch(create(HealthCheckRequestSchema, {}));
  let watchStatus: StatusObject | null = null;
  watch.on("data", () => {});
  watch.on("error", () => {});
  watch.once("status", (ended: StatusObject) => {
    watchStatus = ended;
  });

  // Verdicts slower than the age keep being asked, several at once, until the client has opened
  // three connections: each one was closed under calls in flight on it.
  const failures: string[] = [];
  let answered = 0;
  const body = { question: "Q?", responses: ["Three apples.", "Five apples."], cache: false };
  const opened = await until(async () => {
    const calls = Array.from({ length: 4 }, () =>
      unaryCall(judge, judge.pairwise, create(PairwiseRequestSchema, body)).then(
        () => {
          answered += 1;
        },
        (error: Error) => {
          failures.push(error.message);
        },
      ),
    );
    await Promise.all(calls);
    return proxy.connections() >= 3;
  }, 30_000);
  t.ok(opened, `the client reconnected after GOAWAYs (${proxy.connections()} connections)`);
  t.same(failures, [], "no call failed across the reconnections");
  t.ok(answered >= 4, `verdicts answered: ${answered}`);
  const check = await unaryCall(health, health.check, create(HealthCheckRequestSchema, {}));
  t.equal(check.status, ServingStatus.SERVING, "a new call after them is answered");
  t.equal(watchStatus, null, "the Watch opened on the first connection is still open");
  watch.cancel();
});

t.test("with a grace, a call still open that long after the GOAWAY is cut", async (t) => {
  const [sim] = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sim!.url,
    JURIST_GRPC_MAX_CONNECTION_AGE_MS: "150",
    JURIST_GRPC_MAX_CONNECTION_AGE_GRACE_MS: "100",
  });
  const watch = gateway.health.watch(create(HealthCheckRequestSchema, {}));
  watch.on("data", () => {});
  // The status carries the outcome; grpc-js also emits it as an error.
  watch.on("error", () => {});
  const ended = await new Promise<StatusObject>((resolve) => watch.once("status", resolve));
  t.equal(ended.code, status.UNAVAILABLE, "the Watch ends UNAVAILABLE when the grace runs out");
});

t.test(
  "the settings become grpc-js's options; 0 sets none, so grpc-js never ages out",
  async (t) => {
    t.same(connectionAgeOptions({ maxConnectionAgeMs: 0, maxConnectionAgeGraceMs: 5_000 }), {});
    t.same(connectionAgeOptions({ maxConnectionAgeMs: 300_000 }), {
      "grpc.max_connection_age_ms": 300_000,
    });
    t.same(connectionAgeOptions({ maxConnectionAgeMs: 300_000, maxConnectionAgeGraceMs: 5_000 }), {
      "grpc.max_connection_age_ms": 300_000,
      "grpc.max_connection_age_grace_ms": 5_000,
    });
    // grpc-js adds up to +10% jitter to setTimeout: an age past 2^31-1 / 1.1 would overflow
    // Node's timer, which then fires at once on about half the connections.
    const ceiling = Math.floor(2_147_483_647 / 1.1);
    t.equal(
      loadConfig({ JURIST_GRPC_MAX_CONNECTION_AGE_MS: String(ceiling) }).grpc.maxConnectionAgeMs,
      ceiling,
    );
    t.throws(
      () => loadConfig({ JURIST_GRPC_MAX_CONNECTION_AGE_MS: String(ceiling + 1) }),
      /JURIST_GRPC_MAX_CONNECTION_AGE_MS/,
      "an age whose jitter would overflow the timer is refused",
    );
  },
);
