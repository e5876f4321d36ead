import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { loadAdapter, startSharedGateways, within } from "../../helpers/shared-gateways.ts";

t.test("a verdict cached by one gateway is a hit on the other, A/B swapped", async (t) => {
  const { gateways } = await startSharedGateways(t);
  const [first, second] = gateways;
  const base = validPairwiseBody();
  const body = { ...base, seed: 3 };
  const fresh = await first.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: body,
  });
  t.equal(fresh.json().cached, false);
  t.equal(fresh.json().outcome, "ok");
  const swapped = { ...body, responses: [...(base.responses as string[])].reverse() };
  let hit = await second.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: swapped,
  });
  // The first gateway stores in the background: give it a moment to land.
  for (let i = 0; i < 50 && !hit.json().cached; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    hit = await second.fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: swapped,
    });
  }
  t.equal(hit.json().cached, true, "the other gateway hits the shared cache");
  const flip = { A: "B", B: "A", tie: "tie" } as Record<string, string>;
  t.equal(hit.json().winner, flip[fresh.json().winner], "the winner is mapped back");
  t.ok(Math.abs(hit.json().probability_a - (1 - fresh.json().probability_a)) < 1e-9);
  const bypass = await second.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...swapped, cache: false },
  });
  t.equal(bypass.json().cached, false, "cache: false bypasses it");
});

t.test("a rate limit is shared across gateways", async (t) => {
  const { gateways } = await startSharedGateways(t, {
    JURIST_AUTH: "required",
    JURIST_RATE_LIMIT_PER_MINUTE: "4",
  });
  const { plain, record } = generateApiKey("acme", "judge");
  await gateways[0].runtime.stores.keys.add(record);
  const headers = { authorization: `Bearer ${plain}` };
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<(typeof gateways)[0]["fastify"]["inject"]>> | undefined;
  for (let i = 0; i < 6; i++) {
    const gateway = gateways[i % 2]!;
    const response = await gateway.fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), seed: i },
      headers,
    });
    statuses.push(response.statusCode);
    if (response.statusCode === 429) limited = response;
  }
  t.same(statuses, [200, 200, 200, 200, 429, 429], "4 per minute across both gateways");
  t.equal(limited?.json().error.code, "RATE_LIMITED");
  t.ok(Number(limited?.headers["retry-after"]) > 0, "Retry-After is set");
});

t.test("a promotion made through one gateway is served by the other within 1 s", async (t) => {
  const { gateways, sims } = await startSharedGateways(t);
  const [first, second] = gateways;
  await Promise.all(sims.map((sim) => loadAdapter(sim.url, "jurist-sim-lora-1")));
  await Promise.all(gateways.map((g) => g.runtime.fleet.pollNow()));
  const register = await first.fastify.inject({
    method: "POST",
    url: "/v1/admin/checkpoints",
    payload: {
      id: "jurist-sim-lora-1",
      kind: "lora",
      base_model: "jurist-sim-judge",
      uri: "/tmp/x",
    },
  });
  t.equal(register.statusCode, 201);
  t.equal(second.runtime.fleet.champion(), "jurist-sim-judge");
  const promote = await first.fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "jurist-sim-lora-1", expected_champion: "jurist-sim-judge" },
  });
  t.equal(promote.statusCode, 200);
  t.same(promote.json(), {
    champion: "jurist-sim-lora-1",
    previous: "jurist-sim-judge",
    missing: [],
  });
  const took = await within(1_000, () => second.runtime.fleet.champion() === "jurist-sim-lora-1");
  t.not(took, null, `the second gateway switched (after ${took} ms)`);
  const verdict = await second.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
  });
  t.equal(verdict.json().checkpoint, "jurist-sim-lora-1", "and judges with the new champion");

  const rollback = await second.fastify.inject({
    method: "POST",
    url: "/v1/admin/rollback",
    payload: {},
  });
  t.equal(rollback.statusCode, 200);
  t.equal(rollback.json().champion, "jurist-sim-judge");
  t.not(
    await within(1_000, () => first.runtime.fleet.champion() === "jurist-sim-judge"),
    null,
    "rollback reaches the first gateway too",
  );
});

t.test("two concurrent promotions with the same expected champion: exactly one wins", async (t) => {
  const { gateways, sims } = await startSharedGateways(t);
  const names = ["jurist-sim-lora-a", "jurist-sim-lora-b"];
  for (const name of names) await Promise.all(sims.map((sim) => loadAdapter(sim.url, name)));
  await Promise.all(gateways.map((g) => g.runtime.fleet.pollNow()));
  for (const name of names) {
    const response = await gateways[0].fastify.inject({
      method: "POST",
      url: "/v1/admin/checkpoints",
      payload: { id: name, kind: "lora", base_model: "jurist-sim-judge", uri: `/tmp/${name}` },
    });
    t.equal(response.statusCode, 201);
  }
  const results = await Promise.all(
    names.map((name, i) =>
      gateways[i]!.fastify.inject({
        method: "POST",
        url: "/v1/admin/promote",
        payload: { checkpoint: name, expected_champion: "jurist-sim-judge" },
      }),
    ),
  );
  const statuses = results.map((r) => r.statusCode).sort();
  t.same(statuses, [200, 409], "one promotion, one CONFLICT");
  const loser = results.find((r) => r.statusCode === 409)!;
  t.equal(loser.json().error.code, "CONFLICT");
  const winner = results.find((r) => r.statusCode === 200)!.json().champion;
  const listing = await gateways[1].fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
  t.equal(listing.json().champion, winner);
  t.equal(listing.json().history[0].to, winner);
});

t.test("keys: only hashes are stored; wrong scope is 403, no key is 401", async (t) => {
  const { gateways, redis } = await startSharedGateways(t, { JURIST_AUTH: "required" });
  const [gateway] = gateways;
  const judgeKey = generateApiKey("acme", "judge");
  const adminKey = generateApiKey("ops", "admin");
  await gateway.runtime.stores.keys.add(judgeKey.record);
  await gateway.runtime.stores.keys.add(adminKey.record);
  const get = (url: string, key?: string) =>
    gateway.fastify.inject({
      method: "GET",
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
  t.equal((await get("/v1/admin/checkpoints")).statusCode, 401);
  t.equal((await get("/v1/admin/checkpoints")).json().error.code, "UNAUTHENTICATED");
  t.equal((await get("/v1/admin/checkpoints", "jur_not-a-key")).statusCode, 401);
  const forbidden = await get("/v1/admin/checkpoints", judgeKey.plain);
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().error.code, "FORBIDDEN");
  t.equal((await get("/v1/admin/checkpoints", adminKey.plain)).statusCode, 200);
  const judged = await gateway.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
    headers: { authorization: `Bearer ${adminKey.plain}` },
  });
  t.equal(judged.statusCode, 200, "an admin key may judge too");

  const raw = gateway.runtime.stores.redis!.commands;
  const { Redis } = await import("ioredis");
  const plainClient = new Redis(redis.url);
  t.teardown(() => plainClient.quit());
  const dump: string[] = [];
  for (const key of await plainClient.keys("*")) {
    const type = await plainClient.type(key);
    dump.push(key);
    if (type === "string") dump.push((await plainClient.get(key)) ?? "");
    if (type === "hash") dump.push(JSON.stringify(await plainClient.hgetall(key)));
  }
  const everything = dump.join("\n");
  t.ok(everything.includes(judgeKey.record.hash), "the key's hash is stored");
  t.notOk(everything.includes(judgeKey.plain), "the plain judge key is nowhere in Redis");
  t.notOk(everything.includes(adminKey.plain), "the plain admin key is nowhere in Redis");
  t.ok(raw, "the gateway talks to this Redis");
});
