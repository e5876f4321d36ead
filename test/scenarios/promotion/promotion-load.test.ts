import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { Agent, request } from "undici";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { within } from "../../helpers/shared-gateways.ts";
import { registerLora, writeAdapter } from "./promotion-fixtures.ts";

const BASE = "jurist-sim-judge";
const CANDIDATE = "lora-steady";

/** One verdict request of the load, with the phase it started and ended in. */
interface Outcome {
  gateway: string;
  status: number | null;
  code: string | null;
  checkpoint: string | null;
  startPhase: number;
  endPhase: number;
}

/**
 * Closed-loop load on every gateway until `signal` aborts, recording each verdict's
 * checkpoint. `results` fills while it runs, so the test can wait for counts, not for time.
 */
function steadyLoad(gateways: string[], perGateway: number, phase: () => number) {
  const stop = new AbortController();
  const dispatcher = new Agent({ connections: gateways.length * perGateway });
  const results: Outcome[] = [];
  let seed = 0;
  async function once(gateway: string): Promise<Outcome> {
    const startPhase = phase();
    try {
      const response = await request(`${gateway}/v1/judge/pairwise`, {
        method: "POST",
        dispatcher,
        body: JSON.stringify({ ...validPairwiseBody(), mode: "fast", cache: false, seed: seed++ }),
        headers: { "content-type": "application/json" },
      });
      const body = (await response.body.json()) as {
        checkpoint?: string;
        error?: { code: string };
      };
      const ok = response.statusCode === 200;
      return {
        gateway,
        status: response.statusCode,
        code: ok ? null : (body.error?.code ?? null),
        checkpoint: body.checkpoint ?? null,
        startPhase,
        endPhase: phase(),
      };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "ERROR";
      return { gateway, status: null, code, checkpoint: null, startPhase, endPhase: phase() };
    }
  }
  const workers = gateways.flatMap((gateway) =>
    Array.from({ length: perGateway }, async () => {
      while (!stop.signal.aborted) results.push(await once(gateway));
    }),
  );
  return {
    results,
    /** Resolves once `count` more requests that started in `phase` have finished. */
    settled: (inPhase: number, count: number) =>
      within(60_000, () => results.filter((r) => r.startPhase === inPhase).length >= count),
    async stop(): Promise<void> {
      stop.abort();
      await Promise.all(workers);
      await dispatcher.close();
    },
  };
}

t.test("a promotion and a rollback under steady load fail no request", async (t) => {
  const redis = await startRedis(t);
  const sims = await startSims(t, 3, { latencyMs: 5 });
  const env = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
    JURIST_PROMOTION_LOAD_TIMEOUT_MS: "30000",
  };
  const dataDir = () => mkdtempSync(join(tmpdir(), "jurist-steady-"));
  const gateways = [
    await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() }, { listen: true }),
    await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() }, { listen: true }),
  ] as const;
  const [first, second] = gateways;
  await registerLora(first.fastify, CANDIDATE, writeAdapter(t.testdir({}), CANDIDATE));
  const everyGatewayOn = (id: string) =>
    within(10_000, () => gateways.every((g) => g.runtime.fleet.champion() === id));

  // Phases: 0 before, 1 promoting, 2 promoted everywhere, 3 rolling back, 4 rolled back.
  let phase = 0;
  const load = steadyLoad(
    gateways.map((g) => g.url),
    4,
    () => phase,
  );
  await load.settled(0, 40);
  phase = 1;
  const promote = await first.fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: CANDIDATE, expected_champion: BASE },
  });
  t.equal(promote.statusCode, 200, promote.body);
  t.not(await everyGatewayOn(CANDIDATE), null, "both gateways switched");
  phase = 2;
  await load.settled(2, 40);
  phase = 3;
  const rollback = await second.fastify.inject({
    method: "POST",
    url: "/v1/admin/rollback",
    payload: { expected_champion: CANDIDATE },
  });
  t.equal(rollback.statusCode, 200, rollback.body);
  t.not(await everyGatewayOn(BASE), null, "both gateways switched back");
  phase = 4;
  await load.settled(4, 40);
  await load.stop();

  const { results } = load;
  const failed = results.filter((r) => r.status !== 200);
  t.same(failed, [], `zero failed requests out of ${results.length}`);
  const seen = (filter: (r: Outcome) => boolean) => [
    ...new Set(results.filter(filter).map((r) => r.checkpoint)),
  ];
  t.same(
    seen((r) => r.endPhase === 0),
    [BASE],
    "before: the old champion judges",
  );
  t.same(
    seen((r) => r.startPhase === 2 && r.endPhase === 2),
    [CANDIDATE],
    "then the new one",
  );
  t.same(
    seen((r) => r.startPhase === 4),
    [BASE],
    "and after the rollback the old one again",
  );
  t.same(seen(() => true).sort(), [BASE, CANDIDATE].sort(), "nothing else ever judged");
  for (const gateway of gateways) {
    const on = (p: number) => results.some((r) => r.gateway === gateway.url && r.startPhase === p);
    t.ok(on(0) && on(2) && on(4), `${gateway.url} was under load in every phase`);
  }
});
