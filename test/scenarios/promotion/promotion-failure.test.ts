import { join } from "node:path";
import t from "tap";
import { request } from "undici";
import { buildGateway, type Teardown } from "../../helpers/gateway.ts";
import {
  BASE,
  championOf,
  hostDir,
  logsSay,
  modelsOf,
  registerLora,
  spawnSimIn,
  statusOf,
  writeAdapter,
} from "./promotion-fixtures.ts";

const tempDir = () => hostDir("jurist-replica-host-");

/**
 * Three replica processes: two run in a directory holding the adapter `cand`, the third in
 * one that does not (a host without the shared volume), so a relative `lora_path` of `cand`
 * loads on the first two and fails on the third. `quorum` is JURIST_PROMOTION_QUORUM (the
 * default 0.9 needs all three of three).
 */
async function splitFleet(t: Teardown, quorum?: string) {
  const shared = tempDir();
  writeAdapter(shared, "cand");
  const sims = await Promise.all([
    spawnSimIn(t, shared, ["--seed", "0", "--control", "--log"]),
    spawnSimIn(t, shared, ["--seed", "1", "--control", "--log"]),
    spawnSimIn(t, tempDir(), ["--seed", "2", "--control", "--log"]),
  ]);
  const urls = sims.map((sim) => sim.url);
  const gateway = await buildGateway(t, {
    JURIST_BACKENDS: urls.join(","),
    JURIST_PROMOTION_LOAD_TIMEOUT_MS: "10000",
    ...(quorum ? { JURIST_PROMOTION_QUORUM: quorum } : {}),
  });
  return { sims, urls, ...gateway, absoluteCand: join(shared, "cand") };
}

t.test("a replica that cannot load the adapter aborts the promotion cleanly", async (t) => {
  const { sims, urls, fastify } = await splitFleet(t);
  await registerLora(fastify, "cand", "cand");

  const promote = await fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "cand", expected_champion: BASE },
  });
  t.equal(promote.statusCode, 502);
  const error = promote.json().error;
  t.equal(error.code, "PROMOTION_FAILED");
  t.match(error.message, "failed at step load", "the step is named");
  t.match(error.message, `replica ${urls[2]}`, "and the replica that failed");
  t.match(error.message, "No adapter found", "with vLLM's reason");
  for (const sim of sims.slice(0, 2)) {
    t.ok(await logsSay(sim, "simulated LoRA adapter loaded"), `${sim.url} had loaded it`);
    t.ok(await logsSay(sim, "simulated LoRA adapter unloaded"), `${sim.url} unloaded it again`);
  }
  t.notMatch(sims[2]!.log(), "simulated LoRA adapter loaded", "the third never had it");
  for (const url of urls) t.notOk((await modelsOf(url)).includes("cand"), `${url}: not served`);
  t.equal(await championOf(fastify), BASE, "the champion is untouched");
  t.equal(await statusOf(fastify, "cand"), "candidate", "the candidate's status is unchanged");
  const verdict = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { question: "Which is right?", responses: ["Two cats.", "One dog."] },
  });
  t.equal(verdict.json().checkpoint, BASE, "verdicts still come from the champion");
});

t.test("quorum 1: a replica that is down fails the stage before anything is loaded", async (t) => {
  const { urls, fastify, absoluteCand } = await splitFleet(t, "1");
  await registerLora(fastify, "cand-abs", absoluteCand);
  const control = await request(`${urls[1]}/control`, {
    method: "POST",
    body: JSON.stringify({ healthy: false }),
    headers: { "content-type": "application/json" },
  });
  t.equal(control.statusCode, 200);
  await control.body.dump();

  const promote = await fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "cand-abs" },
  });
  t.equal(promote.statusCode, 502);
  t.match(promote.json().error.message, "failed at step check_replicas");
  t.match(promote.json().error.message, `replica ${urls[1]}: down`);
  for (const url of urls) t.notOk((await modelsOf(url)).includes("cand-abs"), `${url}: not loaded`);
  t.equal(await championOf(fastify), BASE);
  t.equal(await statusOf(fastify, "cand-abs"), "candidate");
});
