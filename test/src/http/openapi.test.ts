import type { FastifyInstance, InjectOptions } from "fastify";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { adminExamples } from "../../../src/http/wire/request-examples.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { loadAdapter } from "../../helpers/shared-gateways.ts";

// The OpenAPI document says which routes need a key (the bearer scheme), /docs can send one,
// and every example request body in it is a request the route accepts: "Try it out" used to
// send `checkpoint: "string"` and get a 404.

interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { example?: unknown } }> };
  responses: Record<string, unknown>;
}
type Document = {
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, Operation>>;
};

async function openApi(fastify: FastifyInstance, key?: string): Promise<Document> {
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const response = await fastify.inject({ url: "/openapi.json", headers });
  if (response.statusCode !== 200) throw new Error(`/openapi.json: ${response.body}`);
  return response.json() as Document;
}

function operations(document: Document) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
}

function exampleOf(operation: Operation): unknown {
  return operation.requestBody?.content["application/json"]?.schema.example;
}

function call(path: string, method: string, operation: Operation): InjectOptions {
  const request: InjectOptions = {
    method: method.toUpperCase() as InjectOptions["method"],
    url: path,
  };
  if (operation.requestBody) request.payload = exampleOf(operation) as InjectOptions["payload"];
  return request;
}

t.test("the bearer scheme is declared, and each route's security is what it does", async (t) => {
  for (const mode of ["required", "off"]) {
    const { fastify, runtime } = await startGateway(t, { env: { JURIST_AUTH: mode } });
    const { plain, record } = generateApiKey("acme", "admin");
    await runtime.stores.keys.add(record);
    const document = await openApi(fastify, plain);
    t.match(document.components.securitySchemes.bearer, { type: "http", scheme: "bearer" });
    for (const { path, method, operation } of operations(document)) {
      const security = operation.security ?? [];
      const needsKey = security.length > 0 && security.every((s) => "bearer" in s);
      const acceptsKey = security.some((s) => "bearer" in s);
      const response = await fastify.inject(call(path, method, operation));
      const label = `JURIST_AUTH=${mode} ${method.toUpperCase()} ${path}`;
      // An admin call that changes state needs a key once any exists (there is one here).
      const changesAdmin = path.startsWith("/v1/admin") && method !== "get";
      t.equal(
        response.statusCode === 401,
        needsKey || changesAdmin,
        `${label}: ${response.statusCode}, security ${JSON.stringify(security)}`,
      );
      if (path.startsWith("/v1/judge") || path.startsWith("/v1/admin")) {
        t.ok(acceptsKey, `${label} documents the key it takes`);
      }
    }
  }
});

t.test("/docs keeps the key given to Authorize", async (t) => {
  const { fastify } = await startGateway(t);
  const script = await fastify.inject({ url: "/docs/static/swagger-initializer.js" });
  t.equal(script.statusCode, 200);
  t.match(script.body, /"?persistAuthorization"?\s*:\s*true/, "the UI's configuration says so");
});

t.test("every example request body in the document is a valid request", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 1 });
  // The register example names an adapter at a path; a replica must be able to load it, as an
  // operator's would. Here it already serves one by that name.
  await loadAdapter(sims[0]!.url, adminExamples.register.id);
  const document = await openApi(fastify);
  const withBody = operations(document).filter(({ operation }) => operation.requestBody);
  t.ok(withBody.length >= 7, `${withBody.length} operations take a body`);
  // In the document's order: register, then promote what was registered, then roll back.
  for (const { path, method, operation } of withBody) {
    const label = `${method.toUpperCase()} ${path}`;
    t.not(exampleOf(operation), undefined, `${label} has an example body`);
    const response = await fastify.inject(call(path, method, operation));
    t.ok(
      response.statusCode < 400,
      `${label}: ${response.statusCode} ${response.body.slice(0, 300)}`,
    );
  }
});
