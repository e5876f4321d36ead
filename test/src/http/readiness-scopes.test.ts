import t from "tap";
import { startGateway } from "../../helpers/gateway.ts";
import { until } from "../../helpers/grpc.ts";

/**
 * `/readyz` answers in two scopes (src/runtime/readiness.ts). The fleet's (the default) is
 * ready only while a healthy replica serves the champion; the process's only asks whether the
 * gateway is draining. deploy/k8s probes the process, so a vLLM outage does not make every
 * gateway pod NotReady and its PodDisruptionBudget does not then block node drains; the fleet's
 * state stays on both bodies and in `jurist_ready{scope}`.
 */

interface ReadyzBody {
  status: string;
  reason?: string;
  scope: string;
  scopes: Record<string, { status: string; reason?: string }>;
  replicas: { healthy: boolean }[];
}

async function readyz(fastify: Awaited<ReturnType<typeof startGateway>>["fastify"], query = "") {
  const response = await fastify.inject({ method: "GET", url: `/readyz${query}` });
  return { status: response.statusCode, body: response.json() as ReadyzBody };
}

t.test(
  "the only replica down: the process is ready, the fleet is not, and both say so",
  async (t) => {
    const { fastify, sims } = await startGateway(t, {
      replicas: 1,
      env: { JURIST_HEALTH_INTERVAL_MS: "100" },
    });
    t.ok(await until(async () => (await readyz(fastify)).status === 200), "ready with its replica");
    const both = await readyz(fastify, "?scope=process");
    t.equal(both.status, 200, "process: ready too");
    t.same(both.body.scopes, { fleet: { status: "ready" }, process: { status: "ready" } });

    sims[0]!.setOptions({ healthy: false });
    t.ok(await until(async () => (await readyz(fastify)).status === 503), "the fleet: 503");
    const fleet = await readyz(fastify);
    t.match(fleet.body, {
      status: "not_ready",
      scope: "fleet",
      reason: "no healthy replica serves the champion",
      replicas: [{ healthy: false }],
    });

    const process = await readyz(fastify, "?scope=process");
    t.equal(process.status, 200, "the process probe: 200 with no healthy replica");
    t.match(process.body, { status: "ready", scope: "process", replicas: [{ healthy: false }] });
    t.notOk("reason" in process.body, "no reason: it is ready");
    t.same(
      process.body.scopes.fleet,
      { status: "not_ready", reason: "no healthy replica serves the champion" },
      "the fleet's state on the process probe's body",
    );
    t.same(fleet.body.scopes, process.body.scopes, "one report, two answers");

    const metrics = (await fastify.inject({ method: "GET", url: "/metrics" })).body;
    t.match(metrics, /^jurist_ready\{scope="fleet"\} 0$/m, "jurist_ready: fleet 0");
    t.match(metrics, /^jurist_ready\{scope="process"\} 1$/m, "jurist_ready: process 1");

    const explicit = await readyz(fastify, "?scope=fleet");
    t.equal(explicit.status, 503, "?scope=fleet is the default's answer");
    const unknown = await fastify.inject({ method: "GET", url: "/readyz?scope=pod" });
    t.equal(unknown.statusCode, 400, "an unknown scope is refused, not read as either");
  },
);

t.test("draining: neither scope is ready", async (t) => {
  const { fastify, runtime } = await startGateway(t, { replicas: 1 });
  runtime.beginDrain();
  const process = await readyz(fastify, "?scope=process");
  t.equal(process.status, 503, "the process probe: 503 once draining");
  t.same(process.body.scopes, {
    fleet: { status: "not_ready", reason: "shutting down" },
    process: { status: "not_ready", reason: "shutting down" },
  });
  t.equal(process.body.reason, "shutting down");
  t.equal((await readyz(fastify)).status, 503, "the fleet too");
});
