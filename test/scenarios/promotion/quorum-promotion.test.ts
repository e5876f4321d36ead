import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import t from "tap";
import { parse } from "yaml";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { ALERTS_PATH } from "../../contracts/observability/deploy-files.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, type Teardown } from "../../helpers/gateway.ts";
import { needs } from "../../helpers/required-tools.ts";
import { type SimProcess, spawnSim } from "../../helpers/sim-process.ts";
import { startPrometheus } from "../observability/prometheus-server.ts";
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

// Promotion by quorum (issue 20, part 5; docs/evaluation.md#promotion-by-quorum) on replica
// processes of the simulator: a stopped replica is a dead process, a returning one a new
// process on the same port that has forgotten every runtime adapter, as a restarted vLLM has.

const tempDir = () => hostDir("jurist-quorum-");

/** One sample's value from a /metrics text, or undefined when the series is absent. */
function sample(text: string, name: string, replica: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{replica="${replica}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function metricsText(fastify: FastifyInstance): Promise<string> {
  return (await fastify.inject({ method: "GET", url: "/metrics" })).body;
}

/** Engine calls this gateway sent to `url` so far, whatever their outcome. */
function callsTo(text: string, url: string): number {
  const prefix = `jurist_engine_requests_total{replica="${replicaId(url)}",`;
  return text
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function promote(fastify: FastifyInstance, checkpoint: string) {
  return fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint, expected_champion: BASE },
  });
}

/** Sends `count` uncached verdicts; resolves to the checkpoints that judged them. */
async function verdicts(fastify: FastifyInstance, count: number): Promise<string[]> {
  const checkpoints: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), cache: false },
    });
    checkpoints.push(response.statusCode === 200 ? response.json().checkpoint : response.body);
  }
  return checkpoints;
}

/** `count` replica processes behind one gateway with the reconcile loop off (called by hand). */
async function fleetOf(t: Teardown, count: number, quorum: string) {
  const sims: SimProcess[] = [];
  for (let i = 0; i < count; i++) sims.push(await spawnSim(t, ["--seed", String(i)]));
  const gateway = await buildGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_PROMOTION_QUORUM: quorum,
    JURIST_PROMOTION_LOAD_TIMEOUT_MS: "10000",
    JURIST_RECONCILE_INTERVAL_MS: "0",
  });
  return { sims, ...gateway };
}

t.test(
  "quorum 0.8, 5 replicas, one stopped: the switch happens, routing skips it, reconcile loads it on return",
  async (t) => {
    const { sims, fastify, runtime } = await fleetOf(t, 5, "0.8");
    const adapter = writeAdapter(tempDir(), "lora-q");
    await registerLora(fastify, "lora-q", adapter);
    const stopped = sims[4]!;
    await stopped.kill("SIGKILL");
    await runtime.fleet.pollNow();
    const seen = () => runtime.fleet.snapshots().find((r) => r.url === stopped.url)!;
    t.notOk(seen().healthy, "the gateway sees the stopped replica down");

    const promoted = await promote(fastify, "lora-q");
    t.equal(promoted.statusCode, 200, promoted.body);
    t.match(promoted.json(), {
      champion: "lora-q",
      previous: BASE,
      missing: [{ replica: replicaId(stopped.url), url: stopped.url, reason: /^down/ }],
    });
    t.equal(promoted.json().missing.length, 1, "only the stopped replica is missing");
    t.equal(await championOf(fastify), "lora-q");
    for (const sim of sims.slice(0, 4)) {
      t.ok((await modelsOf(sim.url)).includes("lora-q"), `${sim.url} lists it`);
    }

    // It returns as a fresh process that lists only the base model: healthy, not serving it.
    const returned = await spawnSim(t, ["--seed", "4", "--port", String(stopped.port)]);
    t.equal(returned.url, stopped.url, "on the same address");
    await runtime.fleet.pollNow();
    t.ok(seen().healthy, "healthy again");
    t.notOk((await modelsOf(returned.url)).includes("lora-q"), "without the adapter");
    const ready = (await fastify.inject({ method: "GET", url: "/readyz" })).json();
    const entry = ready.replicas.find((r: { id: string }) => r.id === replicaId(returned.url));
    t.match(entry, { healthy: true, serves_champion: false }, "/readyz says so");
    let text = await metricsText(fastify);
    t.equal(
      sample(text, "jurist_replica_missing_champion", replicaId(returned.url)),
      1,
      "the gauge names it: healthy, switched without, not yet loaded",
    );

    const before = callsTo(text, returned.url);
    const judged = await verdicts(fastify, 30);
    t.same(new Set(judged), new Set(["lora-q"]), "every verdict is judged by the new champion");
    text = await metricsText(fastify);
    t.equal(callsTo(text, returned.url), before, "and none went to the replica without it");

    t.same(await runtime.promotion.reconcile(), [returned.url], "reconcile loads it there");
    t.ok((await modelsOf(returned.url)).includes("lora-q"), "it lists the champion now");
    await runtime.fleet.pollNow();
    t.ok(
      seen().models.some((m) => m.id === "lora-q"),
      "and the gateway sees it",
    );
    text = await metricsText(fastify);
    t.equal(sample(text, "jurist_replica_missing_champion", replicaId(returned.url)), 0);
    t.same(await runtime.promotion.reconcile(), [], "nothing left to load");
  },
);

/**
 * Replica processes sharing a directory that holds the adapter `cand`, plus `refusing` ones in
 * a directory that does not (hosts without the shared volume): the relative `lora_path` `cand`
 * loads on the first and vLLM's "No adapter found" refuses it on the others.
 */
async function splitFleet(t: Teardown, sharing: number, refusing: number, quorum: string) {
  const shared = tempDir();
  writeAdapter(shared, "cand");
  const sims = [];
  for (let i = 0; i < sharing + refusing; i++) {
    const dir = i < sharing ? shared : tempDir();
    sims.push(await spawnSimIn(t, dir, ["--seed", String(i), "--control", "--log"]));
  }
  const gateway = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_PROMOTION_QUORUM: quorum,
      JURIST_PROMOTION_LOAD_TIMEOUT_MS: "10000",
      JURIST_RECONCILE_INTERVAL_MS: "0",
    },
    { listen: true },
  );
  await registerLora(gateway.fastify, "cand", "cand");
  return { sims, urls: sims.map((sim) => sim.url), ...gateway };
}

/** The expression of one rule in deploy/prometheus/alerts.yml. */
function alertExpression(alert: string): string {
  const file = parse(readFileSync(ALERTS_PATH, "utf8")) as {
    groups: { rules: { alert?: string; expr: string }[] }[];
  };
  const rule = file.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`${alert} is not in alerts.yml`);
  return rule.expr;
}

t.test("a replica that refuses the load: switched without it, reported everywhere", async (t) => {
  const { urls, fastify, runtime, url } = await splitFleet(t, 2, 1, "0.6");
  const refusing = urls[2]!;
  const id = replicaId(refusing);

  const promoted = await promote(fastify, "cand");
  t.equal(promoted.statusCode, 200, promoted.body);
  t.match(promoted.json(), {
    champion: "cand",
    missing: [{ replica: id, url: refusing, reason: /^load failed: .*No adapter found/ }],
  });
  t.equal(promoted.json().missing.length, 1);
  t.notOk((await modelsOf(refusing)).includes("cand"), "it does not serve it");
  t.same(new Set(await verdicts(fastify, 10)), new Set(["cand"]), "verdicts by the new champion");

  let text = await metricsText(fastify);
  t.equal(sample(text, "jurist_promotion_load_failures_total", id), 1, "one refusal counted");
  t.equal(sample(text, "jurist_replica_missing_champion", id), 1, "the replica is missing it");
  for (const url of urls.slice(0, 2)) {
    t.equal(sample(text, "jurist_promotion_load_failures_total", replicaId(url)), 0);
    t.equal(sample(text, "jurist_replica_missing_champion", replicaId(url)), 0);
  }

  t.same(await runtime.promotion.reconcile(), [], "reconcile tries again and cannot load it");
  text = await metricsText(fastify);
  t.equal(sample(text, "jurist_promotion_load_failures_total", id), 2, "the retry counted too");
  t.equal(sample(text, "jurist_replica_missing_champion", id), 1, "still missing");
  t.same(
    runtime.promotion.missingChampion().map((m) => m.replica),
    [refusing],
    "missingChampion names it",
  );

  await t.test(
    "the alert's expression, in a real Prometheus scraping this gateway, names it",
    needs(["prometheus"], "apt-get install prometheus"),
    async (t) => {
      const config = {
        global: { scrape_interval: "1s" },
        scrape_configs: [
          { job_name: "jurist", static_configs: [{ targets: [new URL(url).host] }] },
        ],
      };
      const prometheus = await startPrometheus(t, JSON.stringify(config));
      const expr = alertExpression("JuristReplicaMissingChampion");
      let result: { metric: Record<string, string> }[] = [];
      for (let tries = 0; tries < 300 && result.length === 0; tries++) {
        const answer = await prometheus.query(expr);
        if (answer.status !== "success") throw new Error(`${expr}: ${answer.error}`);
        result = answer.data?.result ?? [];
        if (result.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      t.same(
        result.map((r) => r.metric),
        [{ job: "jurist", replica: id }],
        "one series: the replica without the champion (with `for: 10m` the alert fires if it lasts)",
      );
    },
  );
});

// Rollback is the way out of a bad promotion, so it must never be harder than the promotion it
// undoes: a replica that refuses every load (its adapters' volume not mounted) is one the
// quorum switched without, and must not then block the rollback. With rollback held to every
// healthy replica, it failed at step load on that same replica, every time.
t.test("a replica the quorum switched without does not block the rollback", async (t) => {
  const shared = tempDir();
  writeAdapter(shared, "good");
  writeAdapter(shared, "bad");
  const sims = [];
  for (let i = 0; i < 3; i++) {
    sims.push(await spawnSimIn(t, i < 2 ? shared : tempDir(), ["--seed", String(i)]));
  }
  const { fastify } = await buildGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_PROMOTION_QUORUM: "0.6",
    JURIST_PROMOTION_LOAD_TIMEOUT_MS: "10000",
    JURIST_RECONCILE_INTERVAL_MS: "0",
  });
  await registerLora(fastify, "good", "good");
  await registerLora(fastify, "bad", "bad");
  const refusing = sims[2]!.url;
  const switchTo = (checkpoint: string, expected: string) =>
    fastify.inject({
      method: "POST",
      url: "/v1/admin/promote",
      payload: { checkpoint, expected_champion: expected },
    });
  t.equal((await switchTo("good", BASE)).statusCode, 200);
  const promoted = await switchTo("bad", "good");
  t.equal(promoted.statusCode, 200, promoted.body);
  t.match(promoted.json().missing, [{ url: refusing }], "promoted without the refusing replica");

  const rolledBack = await fastify.inject({
    method: "POST",
    url: "/v1/admin/rollback",
    payload: { expected_champion: "bad" },
  });
  t.equal(rolledBack.statusCode, 200, rolledBack.body);
  t.match(rolledBack.json(), {
    champion: "good",
    previous: "bad",
    missing: [{ url: refusing, reason: /^load failed/ }],
  });
  t.equal(await championOf(fastify), "good");
  t.same(new Set(await verdicts(fastify, 5)), new Set(["good"]), "verdicts by the rolled-back one");
});

t.test("below quorum: PROMOTION_FAILED, nothing switched, this call's loads undone", async (t) => {
  const { sims, urls, fastify } = await splitFleet(t, 3, 2, "0.8");
  const promoted = await promote(fastify, "cand");
  t.equal(promoted.statusCode, 502, promoted.body);
  const error = promoted.json().error;
  t.equal(error.code, "PROMOTION_FAILED");
  t.match(error.message, "failed at step load");
  t.match(error.message, "3 of 5 healthy replicas could list it, 4 needed", "says how far off");
  t.match(error.message, "No adapter found");
  for (const sim of sims.slice(0, 3)) {
    t.ok(await logsSay(sim, "simulated LoRA adapter loaded"), `${sim.url} had loaded it`);
    t.ok(await logsSay(sim, "simulated LoRA adapter unloaded"), `${sim.url} unloaded it again`);
  }
  for (const url of urls) t.notOk((await modelsOf(url)).includes("cand"), `${url}: not served`);
  t.equal(await championOf(fastify), BASE, "the champion is untouched");
  t.equal(await statusOf(fastify, "cand"), "candidate");
  t.same(new Set(await verdicts(fastify, 5)), new Set([BASE]), "verdicts by the old champion");
});

t.test("quorum 1 keeps the behaviour before quorums: a replica down blocks it", async (t) => {
  const { urls, fastify } = await splitFleet(t, 3, 0, "1");
  const control = await fetch(`${urls[2]}/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ healthy: false }),
  });
  t.equal(control.status, 200, "one replica reports itself unhealthy");
  const promoted = await promote(fastify, "cand");
  t.equal(promoted.statusCode, 502, promoted.body);
  t.match(promoted.json().error.message, "failed at step check_replicas");
  t.match(promoted.json().error.message, `replica ${urls[2]}: down`);
  for (const url of urls) t.notOk((await modelsOf(url)).includes("cand"), `${url}: not loaded`);
  t.equal(await championOf(fastify), BASE);
});
