import type { FastifyInstance } from "fastify";
import t from "tap";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import { type SimProcess, spawnSim } from "../../helpers/sim-process.ts";
import { completionsServedBy, servedBetween } from "../fleet/sim-completions.ts";
import { championOf, statusOf } from "./promotion-fixtures.ts";

/**
 * The recipe of docs/deployment.md for a judge vLLM serves without LoRA (Llama-3.2-11B-Vision
 * on vLLM 0.10.2): a fine-tune's full checkpoint is promoted blue/green. "Blue" replicas serve
 * the base model; "green" ones, started for the candidate, serve the new weights under the
 * candidate's id as their served model name (`vllm serve <checkpoint dir> --served-model-name
 * <id>`; vLLM lists that name, not the path, in `/v1/models`: `OpenAIServingModels` in
 * vllm/entrypoints/openai/serving_models.py). Both sets sit behind one headless Service, as
 * a second Deployment whose pods carry the vLLM pods' label would: the gateway finds them by
 * DNS (`dns+http://`), here through an injected resolver that answers what the Service would.
 *
 * The replicas are simulated processes (`jurist sim --model <id>`, an id containing "sim"),
 * each on its own loopback address and one shared port, as pods are, in the simulator's vLLM
 * mode at the recipe's release, 0.10.2: no LoRA routes, `/version` answered, 5 s keep-alive.
 */

const BASE = "llama-3.2-11b-vision-sim";
const CANDIDATE = "jurist-judge-it1-full-sim";
const SERVICE = "vllm-headless.judges.test";
/** The last vLLM release that serves Llama-3.2-Vision (docs/deployment.md). */
const RECIPE_RELEASE = ["--vllm-version", "0.10.2"];

/** What the headless Service's DNS name resolves to; the test changes it as pods come and go. */
function headlessService() {
  let addresses: string[] = [];
  return {
    set(next: SimProcess[]) {
      addresses = next.map((sim) => new URL(sim.url).hostname);
    },
    resolveAll: async (hostname: string) => (hostname === SERVICE ? addresses : []),
  };
}

/** Waits (bounded by tries, not asserted) until the fleet's replicas are exactly `sims`, all healthy. */
async function fleetBecomes(runtime: Runtime, sims: SimProcess[]): Promise<string[]> {
  const wanted = JSON.stringify(sims.map((sim) => sim.url).sort());
  const seen = () =>
    runtime.fleet
      .snapshots()
      .filter((r) => r.healthy)
      .map((r) => r.url)
      .sort();
  for (let tries = 0; tries < 300; tries++) {
    if (JSON.stringify(seen()) === wanted && runtime.fleet.snapshots().length === sims.length)
      break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seen();
}

/** `count` fresh verdicts; resolves to the checkpoints that judged them. */
async function verdicts(fastify: FastifyInstance, count: number): Promise<string[]> {
  const checkpoints: string[] = [];
  for (let seed = 0; seed < count; seed++) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      // Every verdict must reach a replica: no verdict cache, no prompt collection.
      payload: { ...validPairwiseBody(), cache: false, collect: false, seed },
    });
    if (response.statusCode !== 200) throw new Error(`verdict: ${response.body}`);
    checkpoints.push(response.json().checkpoint);
  }
  return checkpoints;
}

/** Completions each replica group answered while `work` ran. */
async function servedDuring(groups: SimProcess[][], work: () => Promise<unknown>) {
  const before = await Promise.all(groups.map(completionsServedBy));
  await work();
  const after = await Promise.all(groups.map(completionsServedBy));
  return groups.map((_, i) => servedBetween(before[i]!, after[i]!).reduce((a, b) => a + b, 0));
}

async function admin(fastify: FastifyInstance, url: string, payload: Record<string, unknown>) {
  const response = await fastify.inject({ method: "POST", url, payload });
  return { status: response.statusCode, body: response.json() };
}

t.test(
  "a full checkpoint goes live on green replicas, rolls back to blue, and blue retires",
  async (t) => {
    const service = headlessService();
    const blue = [
      await spawnSim(t, [...RECIPE_RELEASE, "--host", "127.0.0.2", "--model", BASE, "--seed", "0"]),
    ];
    const port = String(blue[0]!.port);
    blue.push(
      await spawnSim(t, [
        ...RECIPE_RELEASE,
        "--host",
        "127.0.0.3",
        "--port",
        port,
        "--model",
        BASE,
      ]),
    );
    service.set(blue);
    const { fastify, runtime } = await buildGateway(
      t,
      {
        JURIST_BACKENDS: `dns+http://${SERVICE}:${port}`,
        JURIST_DATA_DIR: t.testdir(),
        JURIST_DISCOVERY_INTERVAL_MS: "100",
        JURIST_HEALTH_INTERVAL_MS: "100",
        JURIST_PROMOTION_LOAD_TIMEOUT_MS: "1500",
      },
      { resolveAll: service.resolveAll },
    );
    t.same(await fleetBecomes(runtime, blue), blue.map((s) => s.url).sort(), "blue is the fleet");
    t.equal(await championOf(fastify), BASE, "the base model blue serves is the first champion");

    // The trainer registers a fine-tune's whole model as a full candidate (trainer/stages/register.ts).
    const register = await fastify.inject({
      method: "POST",
      url: "/v1/admin/checkpoints",
      payload: {
        id: CANDIDATE,
        kind: "full",
        base_model: BASE,
        uri: "/data/trainer/iteration-1/checkpoint",
      },
    });
    t.equal(register.statusCode, 201, register.body);

    const early = await admin(fastify, "/v1/admin/promote", { checkpoint: CANDIDATE });
    t.equal(early.status, 502, "promoting before any replica serves it fails");
    t.equal(early.body.error.code, "PROMOTION_FAILED");
    t.match(early.body.error.message, /step wait_healthy: .*no replica serves it/);
    t.match(
      early.body.error.message,
      `start replicas that serve /data/trainer/iteration-1/checkpoint as --served-model-name ${CANDIDATE}`,
      "and says what the deploy step must bring up",
    );
    t.equal(await championOf(fastify), BASE, "and changes nothing");

    // Green: a Deployment of the candidate's weights under its own served model name.
    const green = [
      await spawnSim(t, [
        ...RECIPE_RELEASE,
        "--host",
        "127.0.0.4",
        "--port",
        port,
        "--model",
        CANDIDATE,
      ]),
      await spawnSim(t, [
        ...RECIPE_RELEASE,
        "--host",
        "127.0.0.5",
        "--port",
        port,
        "--model",
        CANDIDATE,
      ]),
    ];
    service.set([...blue, ...green]);
    t.equal((await fleetBecomes(runtime, [...blue, ...green])).length, 4, "green joined");

    let served = await servedDuring([blue, green], async () => {
      t.same(await verdicts(fastify, 4), Array(4).fill(BASE), "the champion still judges");
    });
    t.same(served, [8, 0], "blue answers both orders of every verdict; green none yet");

    const promote = await admin(fastify, "/v1/admin/promote", {
      checkpoint: CANDIDATE,
      expected_champion: BASE,
    });
    t.equal(promote.status, 200, JSON.stringify(promote.body));
    t.same(promote.body, { champion: CANDIDATE, previous: BASE, missing: [] });
    t.equal(await statusOf(fastify, CANDIDATE), "champion");
    served = await servedDuring([blue, green], async () => {
      t.same(await verdicts(fastify, 4), Array(4).fill(CANDIDATE), "the candidate judges");
    });
    t.same(served, [0, 8], "answered by green's replicas only");

    const rollback = await admin(fastify, "/v1/admin/rollback", { expected_champion: CANDIDATE });
    t.equal(rollback.status, 200, JSON.stringify(rollback.body));
    t.same(rollback.body, { champion: BASE, previous: CANDIDATE, missing: [] });
    served = await servedDuring([blue, green], async () => {
      t.same(await verdicts(fastify, 4), Array(4).fill(BASE), "the base model judges again");
    });
    t.same(served, [8, 0], "answered by blue's replicas again");

    const again = await admin(fastify, "/v1/admin/promote", {
      checkpoint: CANDIDATE,
      expected_champion: BASE,
    });
    t.equal(again.status, 200, JSON.stringify(again.body));

    // Retire blue: scale its Deployment to zero. Its pods leave DNS, then stop.
    service.set(green);
    t.same(await fleetBecomes(runtime, green), green.map((s) => s.url).sort(), "blue left");
    await Promise.all(blue.map((sim) => sim.kill()));
    served = await servedDuring([green], async () => {
      t.same(await verdicts(fastify, 4), Array(4).fill(CANDIDATE), "verdicts go on");
    });
    t.same(served, [8], "all on green");
    const readyz = await fastify.inject({ method: "GET", url: "/readyz" });
    t.equal(readyz.statusCode, 200, `ready without blue: ${readyz.body}`);

    const stale = await admin(fastify, "/v1/admin/rollback", { expected_champion: CANDIDATE });
    t.equal(stale.status, 502, "a rollback to the retired blue fails: nothing serves it");
    t.equal(stale.body.error.code, "PROMOTION_FAILED");
    t.match(stale.body.error.message, new RegExp(`'${BASE}' failed at step wait_healthy`));
    t.equal(await championOf(fastify), CANDIDATE, "and the champion stays green's");
  },
);
