import { pino } from "pino";
import t from "tap";
import { createRedisClient } from "../../../src/store/redis-client.ts";
import { startRedis } from "../../helpers/redis-server.ts";

t.test("commands fail fast while Redis is down, and work again after it returns", async (t) => {
  const server = await startRedis(t);
  const client = createRedisClient({
    url: server.url,
    keyPrefix: "jurist-test:",
    logger: pino({ level: "silent" }),
  });
  t.teardown(() => client.close());
  t.equal(await client.ready(), true);
  await client.commands.set("k", "v");
  t.equal(await client.commands.get("k"), "v");
  t.equal(client.status(), "ok");

  await server.stop(true);
  const started = Date.now();
  await t.rejects(client.commands.get("k"), "a command while down rejects instead of queueing");
  t.ok(Date.now() - started < 5_000, "and does not wait for the reconnect");
  for (let i = 0; i < 100 && client.status() !== "degraded"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(client.status(), "degraded");

  await server.start();
  for (let i = 0; i < 100 && client.status() !== "ok"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.equal(client.status(), "ok", "reconnected by itself");
  await client.commands.set("k", "again");
  t.equal(await client.commands.get("k"), "again");
});

t.test("every key lands under the configured prefix", async (t) => {
  const server = await startRedis(t);
  const client = createRedisClient({
    url: server.url,
    keyPrefix: "tenant-a:",
    logger: pino({ level: "silent" }),
  });
  t.teardown(() => client.close());
  await client.ready();
  await client.commands.set("x", "1");
  const raw = createRedisClient({
    url: server.url,
    keyPrefix: "",
    logger: pino({ level: "silent" }),
  });
  t.teardown(() => raw.close());
  await raw.ready();
  t.same(await raw.commands.keys("*"), ["tenant-a:x"]);
});
