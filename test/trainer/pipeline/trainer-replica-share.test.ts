import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { trainerCallLimit } from "../../../trainer/pipeline/trainer-capacity.ts";
import { connectRedis, uniquePrefix } from "../../contracts/store/redis-fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";

/**
 * A trainer in its own process (`jurist trainer`, the Kubernetes trainer pod) sends its calls
 * to the replicas the gateways share. Its fleet must take part in the share of
 * --max-num-seqs like a gateway (src/engine/replica-capacity.ts): before this, it kept the
 * whole replica for itself, so its batch slots came on top of what the gateways admit
 * together. Real redis-server, one simulated replica; the two gateways are two entries in
 * the gateways' sorted set, as gateway-peer-count.ts writes them.
 */
t.test("a trainer process counts among the gateways sharing the replicas", async (t) => {
  const redis = await startRedis(t);
  const prefix = uniquePrefix();
  const raw = await connectRedis(t, redis.url, prefix);
  const now = Date.now();
  await raw.commands.zadd("gateways", now, "gateway-a", now, "gateway-b");
  const sims = await startSims(t, 1, { seed: 0 });
  const config = loadConfig({
    JURIST_BACKENDS: sims[0]!.url,
    REDIS_URL: redis.url,
    JURIST_REDIS_PREFIX: prefix,
    JURIST_DATA_DIR: join(t.testdir(), "data"),
    JURIST_LOG_LEVEL: "silent",
    JURIST_REPLICA_MAX_NUM_SEQS: "90",
    JURIST_PRIORITY_INTERACTIVE_RESERVE: "0.25",
  });
  const opened = await openTrainerEnv(config, pino({ level: "silent" }));
  let closed = false;
  t.teardown(() => (closed ? undefined : opened.close()));

  t.equal(await raw.commands.zcard("gateways"), 3, "the trainer beats into the gateways' set");
  t.equal(
    opened.env.fleet.maxInFlightPerReplica(),
    30,
    "⌊90 ÷ 3⌋: the trainer's part, not the whole replica (90)",
  );
  const champion = opened.env.fleet.snapshots()[0]!.models[0]!.id;
  const limit = trainerCallLimit(opened.env.fleet, config.engine.priority, "auto");
  t.equal(limit(champion), 22, "its calls in flight: the batch share of its part, ⌊30 × 0.75⌋");

  await opened.close();
  closed = true;
  t.equal(await raw.commands.zcard("gateways"), 2, "it leaves the set when it closes");
});
