import { create } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { ListModelsRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startGateway, startSims } from "../../helpers/gateway.ts";
import { callError, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

// With keys required, what names the candidates (/v1/models, ListModels) or describes the API
// (/docs, /openapi.json) needs a key unless JURIST_PUBLIC_ROUTES lists it; probes and scrapers
// (/healthz, /readyz, /metrics) stay open, and so carry no replica URL or upstream error text.

const KEYED = ["/v1/models", "/docs", "/docs/json", "/openapi.json"];
const OPEN = ["/healthz", "/readyz", "/metrics"];

t.test("with keys required, models and docs need a key; probes do not", async (t) => {
  const { fastify, runtime } = await startGateway(t, { env: { JURIST_AUTH: "required" } });
  const { plain, record } = generateApiKey("acme", "judge");
  await runtime.stores.keys.add(record);
  for (const url of KEYED) {
    const anonymous = await fastify.inject({ url });
    t.equal(anonymous.statusCode, 401, `${url} without a key`);
    t.equal(anonymous.json().error.code, "UNAUTHENTICATED", url);
    const keyed = await fastify.inject({ url, headers: { authorization: `Bearer ${plain}` } });
    t.ok(keyed.statusCode < 400, `${url} with a key: ${keyed.statusCode}`);
  }
  for (const url of OPEN) {
    const probe = await fastify.inject({ url });
    t.not(probe.statusCode, 401, `${url} answers without a key (${probe.statusCode})`);
  }
});

t.test("JURIST_PUBLIC_ROUTES opens what it lists, and only that", async (t) => {
  const docsOnly = await startGateway(t, {
    env: { JURIST_AUTH: "required", JURIST_PUBLIC_ROUTES: "docs" },
  });
  t.equal((await docsOnly.fastify.inject({ url: "/v1/models" })).statusCode, 401);
  for (const url of ["/docs", "/docs/json", "/openapi.json"]) {
    t.ok((await docsOnly.fastify.inject({ url })).statusCode < 400, `${url} is public`);
  }
  const both = await startGateway(t, {
    env: { JURIST_AUTH: "required", JURIST_PUBLIC_ROUTES: "models, docs" },
  });
  const models = await both.fastify.inject({ url: "/v1/models" });
  t.equal(models.statusCode, 200, "models is public");
  const judging = await both.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: {},
  });
  t.equal(judging.statusCode, 401, "judging still needs a key");
});

t.test("gRPC ListModels follows the same decision as GET /v1/models", async (t) => {
  const sims = await startSims(t, 1);
  const backends = sims.map((sim) => sim.url).join(",");
  const keyed = await startGrpcGateway(t, { JURIST_BACKENDS: backends, JURIST_AUTH: "required" });
  const list = (gateway: typeof keyed, metadata?: Metadata) =>
    unaryCall(gateway.judge, gateway.judge.listModels, create(ListModelsRequestSchema, {}), {
      metadata,
    });
  const refused = await callError(list(keyed));
  t.equal(refused.code, status.UNAUTHENTICATED, "no key: UNAUTHENTICATED");
  t.same(refused.metadata.get("jurist-error-code"), ["UNAUTHENTICATED"]);
  const { plain, record } = generateApiKey("acme", "judge");
  await keyed.runtime.stores.keys.add(record);
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${plain}`);
  t.ok((await list(keyed, metadata)).models.length > 0, "with a key: the models");

  const open = await startGrpcGateway(t, {
    JURIST_BACKENDS: backends,
    JURIST_AUTH: "required",
    JURIST_PUBLIC_ROUTES: "models",
  });
  t.ok((await list(open)).models.length > 0, "listed in JURIST_PUBLIC_ROUTES: no key needed");
});

t.test("/readyz and /metrics name replicas by id and carry no error text", async (t) => {
  const sims = await startSims(t, 2);
  const { runtime, url } = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_AUTH: "required",
  });
  const sick = sims[1]!;
  await sick.close();
  await runtime.fleet.pollNow();
  const lastError = runtime.fleet.snapshots().find((r) => r.url === sick.url)?.lastError;
  t.ok(lastError, `the poll failed: ${lastError}`);

  const ready = await request(`${url}/readyz`);
  const body = await ready.body.text();
  const metrics = await (await request(`${url}/metrics`)).body.text();
  for (const [name, text] of [
    ["/readyz", body],
    ["/metrics", metrics],
  ] as const) {
    for (const sim of sims) {
      t.notOk(text.includes(new URL(sim.url).host), `${name} does not name ${sim.url}`);
    }
    t.notOk(text.includes(lastError!), `${name} does not carry the poll's error`);
  }
  const replicas = (JSON.parse(body) as { replicas: Record<string, unknown>[] }).replicas;
  t.same(
    replicas.map((r) => r.id).sort(),
    sims.map((sim) => replicaId(sim.url)).sort(),
    "each replica by its id",
  );
  t.ok(
    replicas.every((r) => !("last_error" in r) && !("url" in r)),
    "no url, no last_error",
  );
  t.match(metrics, `jurist_replica_healthy{replica="${replicaId(sick.url)}"} 0`);
});
