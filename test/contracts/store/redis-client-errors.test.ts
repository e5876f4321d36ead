import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pino } from "pino";
import t from "tap";
import { createRedisClient, type RedisRole } from "../../../src/store/redis-client.ts";
import type { RedisErrorCause } from "../../../src/store/redis-error-cause.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { clusterForFile } from "./redis-fixtures.ts";

const cli = promisify(execFile);

/** A client whose failures and warning lines the test reads. */
function observed(target: { url: string } | { clusterNodes: string[] }, role: RedisRole) {
  const errors: RedisErrorCause[] = [];
  const warnings: { cause?: string; role?: string }[] = [];
  const logger = pino(
    { level: "warn" },
    { write: (line: string) => void warnings.push(JSON.parse(line)) },
  );
  const client = createRedisClient({
    ...target,
    role,
    keyPrefix: "jurist-test:",
    logger,
    onError: (failedRole, cause) => {
      if (failedRole === role) errors.push(cause);
    },
  });
  return { client, errors, warnings };
}

// Real refusals from Redis 7 through ioredis 6.0.0: each counted per command, logged once.
t.test("CROSSSLOT from a real cluster: counted per command, logged once", async (t) => {
  const cluster = await clusterForFile();
  const { client, errors, warnings } = observed({ clusterNodes: cluster.nodes }, "state");
  t.teardown(() => client.close());
  t.equal(await client.ready(10_000), true);
  // Two keys without a shared tag land on different slots ("a" 15495, "b" 3300).
  for (let i = 0; i < 3; i++) await t.rejects(client.commands.mget("a", "b"), /CROSSSLOT/);
  t.same(errors, ["crossslot", "crossslot", "crossslot"]);
  t.equal(warnings.filter((w) => w.cause === "crossslot").length, 1, "one log line");
});

t.test("READONLY from a replica: counted, and the write probe reports degraded", async (t) => {
  const primary = await startRedis(t);
  const replica = await startRedis(t);
  await cli("redis-cli", [
    "-p",
    String(replica.port),
    "replicaof",
    "127.0.0.1",
    String(primary.port),
  ]);
  const { client, errors } = observed({ url: replica.url }, "state");
  t.teardown(() => client.close());
  t.equal(await client.ready(), true);
  t.equal(await client.commands.ping(), "PONG", "a replica answers PING");
  t.equal(await client.probe(), "degraded", "but refuses the write probe");
  t.ok(errors.includes("readonly"), "counted as readonly");
});

t.test("OOM under noeviction: PING works, writes fail, the probe says so", async (t) => {
  const server = await startRedis(t);
  const { client, errors, warnings } = observed({ url: server.url }, "cache");
  t.teardown(() => client.close());
  t.equal(await client.ready(), true);
  t.equal(await client.probe(), "ok");
  await cli("redis-cli", ["-p", String(server.port), "config", "set", "maxmemory", "1"]);
  t.equal(await client.commands.ping(), "PONG");
  await t.rejects(client.commands.set("k", "v"), /OOM/);
  t.equal(await client.probe(), "degraded");
  t.ok(errors.length >= 2 && errors.every((cause) => cause === "oom"), `${errors.length} oom`);
  t.match(warnings, [{ role: "cache", cause: "oom" }], "logged once, with its role");
  t.equal(warnings.length, 1);
});
