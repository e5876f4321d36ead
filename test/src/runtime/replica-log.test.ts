import { Writable } from "node:stream";
import { pino } from "pino";
import t from "tap";
import type { ReplicaSnapshot } from "../../../src/engine/fleet-types.ts";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { logReplicaErrors } from "../../../src/runtime/replica-log.ts";

// /readyz and /metrics name replicas by id and carry no error text; the log is where an
// operator finds the URL behind an id and why a replica's poll failed.

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

const URL_A = "http://10.0.0.5:8000";

function fleetOf(errors: () => (string | null)[]) {
  return {
    snapshots: () =>
      errors().map(
        (lastError, index) =>
          ({
            url: index === 0 ? URL_A : `http://10.0.0.${6 + index}:8000`,
            lastError,
          }) as ReplicaSnapshot,
      ),
  };
}

/** Lets pino's stream callbacks run. */
const flushed = () => new Promise((resolve) => setImmediate(resolve));

t.test("each replica's id is logged beside its URL when it is first seen", async (t) => {
  const { logger, lines } = capture();
  const log = logReplicaErrors({ fleet: fleetOf(() => [null]), logger, intervalMs: 3_600_000 });
  t.teardown(log.stop);
  log.look();
  await flushed();
  const joined = lines.filter((line) => line.msg === "replica joined");
  t.same(
    joined.map((line) => [line.replica, line.replica_id]),
    [[URL_A, replicaId(URL_A)]],
    "once, with both names",
  );
  t.match(replicaId(URL_A), /^r-[0-9a-f]{8}$/);
});

t.test("a poll error is logged when it changes, at most once per interval", async (t) => {
  let errors: (string | null)[] = [null];
  for (const [interval, expected] of [
    [0, ["connect ECONNREFUSED", "HTTP 503", "connect ECONNREFUSED"]],
    [3_600_000, ["connect ECONNREFUSED"]],
  ] as const) {
    const { logger, lines } = capture();
    errors = [null];
    const log = logReplicaErrors({
      fleet: fleetOf(() => errors),
      logger,
      intervalMs: 3_600_000,
      minErrorIntervalMs: interval,
    });
    for (const next of ["connect ECONNREFUSED", "connect ECONNREFUSED", "HTTP 503", null]) {
      errors = [next];
      log.look();
    }
    errors = ["connect ECONNREFUSED"];
    log.look();
    log.stop();
    await flushed();
    const failed = lines.filter((line) => line.msg === "replica poll failed");
    t.same(
      failed.map((line) => line.error),
      expected,
      `minimum interval ${interval} ms: unchanged errors are not repeated`,
    );
    t.ok(failed.every((line) => line.replica === URL_A && line.replica_id === replicaId(URL_A)));
    t.ok(
      failed.every((line) => line.level === 40),
      "at warn",
    );
  }
});
