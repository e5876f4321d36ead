import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { Agent, request } from "undici";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

/**
 * Every replica process dies: requests must fail fast with 503 NO_HEALTHY_REPLICA and a
 * Retry-After, not hang until a deadline; once one replica is back on its old address the
 * health poller admits it and verdicts resume without a restart.
 */

const POLL_INTERVAL_MS = 300;
/** A hang would run into this deadline and answer 504, which the code assertions refuse. */
const CALLER_DEADLINE_MS = 10_000;
const MAX_RECOVERY_POLLS = 20;

t.test("all replicas down: fast 503 NO_HEALTHY_REPLICA, then service resumes", async (t) => {
  const sims = await Promise.all(
    [0, 1, 2].map((seed) => spawnSim(t, ["--seed", String(seed), "--latency-ms", "20"])),
  );
  const { url, runtime } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      // Its own registry: a champion left in the shared ./data by another run must not leak in.
      JURIST_DATA_DIR: t.testdir(),
      JURIST_HEALTH_INTERVAL_MS: String(POLL_INTERVAL_MS),
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    },
    { listen: true },
  );
  const dispatcher = new Agent({
    headersTimeout: 2 * CALLER_DEADLINE_MS,
    bodyTimeout: 2 * CALLER_DEADLINE_MS,
  });
  t.teardown(() => dispatcher.close());
  let seed = 0;
  const judge = async () => {
    const response = await request(`${url}/v1/judge/pairwise`, {
      method: "POST",
      dispatcher,
      headers: {
        "content-type": "application/json",
        "x-jurist-timeout-ms": String(CALLER_DEADLINE_MS),
      },
      body: JSON.stringify({ ...validPairwiseBody(), mode: "fast", cache: false, seed: seed++ }),
    });
    const body = (await response.body.json()) as { error?: { code: string } };
    const code = response.statusCode === 200 ? "200" : `${response.statusCode} ${body.error?.code}`;
    return { code, retryAfter: response.headers["retry-after"] };
  };

  t.equal((await judge()).code, "200", "the fleet serves before the crash");
  await Promise.all(sims.map((sim) => sim.kill("SIGKILL")));

  // Before any poll: the first request finds the dead replicas by refused connections.
  const first = await judge();
  t.same(first.code, "503 NO_HEALTHY_REPLICA", "the request that found them dead gets a 503");
  t.ok(Number(first.retryAfter) >= 1, `with Retry-After (${first.retryAfter})`);

  await runtime.fleet.pollNow();
  t.ok(
    runtime.fleet.snapshots().every((r) => !r.healthy),
    "a poll finds every replica down",
  );
  const down = await Promise.all(Array.from({ length: 8 }, judge));
  t.same(
    down.map((r) => r.code),
    Array(8).fill("503 NO_HEALTHY_REPLICA"),
    "every request gets 503 NO_HEALTHY_REPLICA",
  );
  t.ok(
    down.every((r) => Number(r.retryAfter) >= 1),
    "every one says when to retry",
  );

  const revived = await spawnSim(t, ["--seed", "1", "--port", String(sims[1]!.port)]);
  t.equal(revived.url, sims[1]!.url, "a replica is back on its old address");
  const since = Date.now();
  const seen = new Set<string>();
  let answer = await judge();
  while (answer.code !== "200" && Date.now() - since < MAX_RECOVERY_POLLS * POLL_INTERVAL_MS) {
    seen.add(answer.code);
    await sleep(POLL_INTERVAL_MS / 6);
    answer = await judge();
  }
  const polls = (Date.now() - since) / POLL_INTERVAL_MS;
  t.comment(`service resumed after ${polls.toFixed(1)} poll intervals; meanwhile ${[...seen]}`);
  t.equal(answer.code, "200", `verdicts resume within ${MAX_RECOVERY_POLLS} poll intervals`);
  t.ok(
    [...seen].every((code) => code === "503 NO_HEALTHY_REPLICA"),
    "until then only 503 NO_HEALTHY_REPLICA",
  );
});
