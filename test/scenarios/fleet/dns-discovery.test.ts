import t from "tap";
import { request } from "undici";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { type SimProcess, spawnSim } from "../../helpers/sim-process.ts";
import { completionsServedBy, servedBetween } from "./sim-completions.ts";

/**
 * `dns+http://name:port` backends: every address the name resolves to is a replica, re-resolved
 * on an interval. Replicas share one port on different loopback addresses, as pods behind a
 * headless Service do, and join and leave while the gateway runs.
 */

async function verdicts(url: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await request(`${url}/v1/judge/pairwise`, {
      method: "POST",
      // Every request must reach a replica: no verdict cache, no prompt collection.
      body: JSON.stringify({ ...validPairwiseBody(), cache: false, collect: false, seed: i }),
      headers: { "content-type": "application/json" },
    });
    await response.body.dump();
    statuses.push(response.statusCode);
  }
  return statuses;
}

/** Waits (bounded by tries, not asserted) until the fleet's healthy replica URLs are `urls`. */
async function fleetBecomes(runtime: Runtime, urls: string[]): Promise<string[]> {
  const healthy = () =>
    runtime.fleet
      .snapshots()
      .filter((r) => r.healthy)
      .map((r) => r.url)
      .sort();
  const all = () =>
    runtime.fleet
      .snapshots()
      .map((r) => r.url)
      .sort();
  const wanted = JSON.stringify([...urls].sort());
  for (let tries = 0; tries < 300; tries++) {
    if (JSON.stringify(all()) === wanted && JSON.stringify(healthy()) === wanted) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return all();
}

t.test(
  "replicas join and leave as the name's addresses change; lookup failures keep them",
  async (t) => {
    const first = await spawnSim(t, ["--seed", "0", "--host", "127.0.0.2", "--latency-ms", "5"]);
    const port = String(first.port);
    const second = await spawnSim(t, ["--seed", "1", "--host", "127.0.0.3", "--port", port]);
    const sims: SimProcess[] = [first, second];
    t.equal(second.port, first.port, "both replicas listen on one port");

    let answer: string[] | Error = ["127.0.0.2"];
    let lookups = 0;
    const names = new Set<string>();
    const resolveAll = async (hostname: string) => {
      names.add(hostname);
      lookups++;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const { url, runtime } = await buildGateway(
      t,
      {
        JURIST_BACKENDS: `dns+http://replicas.test:${port}`,
        JURIST_DATA_DIR: t.testdir(),
        JURIST_DISCOVERY_INTERVAL_MS: "200",
        JURIST_HEALTH_INTERVAL_MS: "200",
      },
      { listen: true, resolveAll },
    );

    t.same(await fleetBecomes(runtime, [first.url]), [first.url], "starts with the one address");
    let before = await completionsServedBy(sims);
    t.same(await verdicts(url, 4), [200, 200, 200, 200]);
    let served = servedBetween(before, await completionsServedBy(sims));
    t.same(served, [8, 0], "the first replica answered both orders of all 4");

    answer = ["127.0.0.2", "127.0.0.3"];
    t.same(
      await fleetBecomes(
        runtime,
        sims.map((s) => s.url),
      ),
      [first.url, second.url],
      "joined",
    );
    before = await completionsServedBy(sims);
    t.same(await verdicts(url, 12), Array(12).fill(200));
    served = servedBetween(before, await completionsServedBy(sims));
    t.ok(served[1]! > 0, `the new replica serves requests (served ${served})`);

    answer = ["127.0.0.3"];
    t.same(await fleetBecomes(runtime, [second.url]), [second.url], "the first one left");
    before = await completionsServedBy(sims);
    t.same(await verdicts(url, 6), Array(6).fill(200));
    served = servedBetween(before, await completionsServedBy(sims));
    t.same(served, [0, 12], "the replica that left gets no more requests");

    answer = new Error("SERVFAIL");
    const failedFrom = lookups;
    while (lookups < failedFrom + 3) await new Promise((resolve) => setTimeout(resolve, 50));
    t.same(
      runtime.fleet.snapshots().map((r) => [r.url, r.healthy]),
      [[second.url, true]],
      "three failed lookups later the last known replica is still there",
    );
    t.same(await verdicts(url, 2), [200, 200], "and still serving");
    t.same([...names], ["replicas.test"], "only the configured name was looked up");
  },
);

t.test("the system resolver: dns+http://localhost finds the replica on 127.0.0.1", async (t) => {
  const sim = await spawnSim(t, ["--seed", "2", "--host", "127.0.0.1"]);
  const { url, runtime } = await buildGateway(
    t,
    { JURIST_BACKENDS: `dns+http://localhost:${sim.port}`, JURIST_DATA_DIR: t.testdir() },
    { listen: true },
  );
  const replicas = runtime.fleet.snapshots();
  t.comment(`localhost resolved to ${replicas.map((r) => `${r.url} (healthy: ${r.healthy})`)}`);
  t.ok(
    replicas.some((r) => r.url === sim.url && r.healthy),
    "the 127.0.0.1 replica is in the fleet and healthy",
  );
  t.same(await verdicts(url, 2), [200, 200], "and it serves verdicts");
});
