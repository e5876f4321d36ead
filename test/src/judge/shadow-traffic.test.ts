import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

/** Loads a simulated LoRA adapter with its own accuracy on every sim. */
async function loadAdapter(dir: string, urls: string[], name: string, accuracy: number) {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(
    join(path, "adapter.json"),
    JSON.stringify({ simulated_accuracy: accuracy, simulated_position_bias: 0 }),
  );
  for (const url of urls) {
    const response = await fetch(`${url}/v1/load_lora_adapter`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lora_name: name, lora_path: path }),
    });
    if (!response.ok) throw new Error(`load failed: ${response.status} ${await response.text()}`);
  }
}

function body(index: number) {
  return { ...validPairwiseBody(), question: `How many apples are in bowl ${index}?` };
}

t.test(
  "live champion verdicts are judged again by the shadow target, counted and exported",
  async (t) => {
    const { fastify, runtime, sims } = await startGateway(t, {
      sim: { positionBias: 0 },
      env: { JURIST_SHADOW_RATE: "1", JURIST_REGISTRY_REFRESH_MS: "50", JURIST_CACHE_TTL_MS: "0" },
    });
    await loadAdapter(
      t.testdir(),
      sims.map((sim) => sim.url),
      "cand-1",
      1,
    );
    await runtime.fleet.pollNow();
    await runtime.stores.shadow.setTarget("cand-1");
    await sleep(200);

    const champion = runtime.fleet.champion();
    for (let i = 0; i < 30; i++) {
      const response = await fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: body(i),
      });
      t.equal(response.statusCode, 200);
      t.equal(response.json().checkpoint, champion, "the caller gets the champion's verdict");
    }
    const pinned = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...body(99), checkpoint: "cand-1" },
    });
    t.equal(pinned.json().checkpoint, "cand-1", "a pinned request is not shadowed");

    let counts = await runtime.stores.shadow.counts("cand-1");
    for (let wait = 0; wait < 100 && counts.requests < 30; wait++) {
      await sleep(50);
      counts = await runtime.stores.shadow.counts("cand-1");
    }
    t.equal(counts.requests, 30, "every champion verdict was shadowed once, the pinned one not");
    t.ok(counts.agreements > 0 && counts.agreements <= 30, `${counts.agreements} agreements`);
    t.ok(
      counts.consistent >= 25,
      `${counts.consistent} consistent (an accurate candidate is consistent)`,
    );
    const metrics = await runtime.metrics.registry.metrics();
    const agree = Number(
      /jurist_shadow_requests_total\{event="agree"\} (\d+)/.exec(metrics)?.[1] ?? 0,
    );
    const disagree = Number(
      /jurist_shadow_requests_total\{event="disagree"\} (\d+)/.exec(metrics)?.[1] ?? 0,
    );
    t.equal(agree + disagree, 30);
    t.equal(agree, counts.agreements);

    await runtime.stores.shadow.setTarget(null);
    await sleep(200);
    await fastify.inject({ method: "POST", url: "/v1/judge/pairwise", payload: body(200) });
    await sleep(200);
    t.equal((await runtime.stores.shadow.counts("cand-1")).requests, 30, "no target, no shadowing");
  },
);

t.test("with rate 0 nothing is shadowed", async (t) => {
  const { fastify, runtime, sims } = await startGateway(t, {
    env: { JURIST_SHADOW_RATE: "0", JURIST_REGISTRY_REFRESH_MS: "50" },
  });
  await loadAdapter(
    t.testdir(),
    sims.map((sim) => sim.url),
    "cand-2",
    1,
  );
  await runtime.fleet.pollNow();
  await runtime.stores.shadow.setTarget("cand-2");
  await sleep(200);
  for (let i = 0; i < 5; i++) {
    await fastify.inject({ method: "POST", url: "/v1/judge/pairwise", payload: body(i) });
  }
  await sleep(200);
  t.equal((await runtime.stores.shadow.counts("cand-2")).requests, 0);
});
