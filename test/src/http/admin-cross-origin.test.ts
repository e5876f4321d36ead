import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance, type InjectOptions } from "fastify";
import { pino } from "pino";
import type { Test } from "tap";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { app } from "../../../src/http/app.ts";
import { createRuntime, type Runtime } from "../../../src/runtime/runtime.ts";
import { startSims } from "../../helpers/gateway.ts";
import { loadAdapter } from "../../helpers/shared-gateways.ts";

// The attack: from a page on another origin, in the default loopback setup (auth off),
// `fetch("http://127.0.0.1:8080/v1/admin/rollback", { method: "POST", mode: "no-cors" })`
// changed the champion. A no-cors fetch or a form can send only a "simple" request: no body or
// a text/plain, form or multipart one, marked with Origin and (modern browsers) Sec-Fetch-Site.

const CANDIDATE = "jurist-sim-lora-1";
const BASE = "jurist-sim-judge";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

interface Gateway {
  fastify: FastifyInstance;
  runtime: Runtime;
  /** Every state-changing admin route the instance registered, as `METHOD url`. */
  stateChanging: { method: string; url: string }[];
}

/** A gateway in front of two simulated replicas, recording its routes as Fastify adds them. */
async function gateway(t: Test, env: Record<string, string> = {}): Promise<Gateway> {
  const sims = await startSims(t, 2);
  const config = loadConfig({
    JURIST_LOG_LEVEL: "silent",
    JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-test-data-")),
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    ...env,
  });
  const runtime = await createRuntime(config, pino({ level: "silent" }));
  const fastify = Fastify();
  const stateChanging: Gateway["stateChanging"] = [];
  fastify.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (route.url.startsWith("/v1/admin") && !SAFE.has(method)) {
        stateChanging.push({ method, url: route.url });
      }
    }
  });
  await fastify.register(app, { runtime });
  await fastify.ready();
  t.teardown(async () => {
    await fastify.close();
    await runtime.close();
  });
  // A champion with a previous one, so a rollback would change something.
  await Promise.all(sims.map((sim) => loadAdapter(sim.url, CANDIDATE)));
  await runtime.fleet.pollNow();
  const same = { "content-type": "application/json" };
  const registered = await fastify.inject({
    method: "POST",
    url: "/v1/admin/checkpoints",
    headers: same,
    payload: { id: CANDIDATE, kind: "lora", base_model: BASE, uri: "/tmp/x" },
  });
  t.equal(registered.statusCode, 201, registered.body);
  const promoted = await fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    headers: same,
    payload: { checkpoint: CANDIDATE },
  });
  t.equal(promoted.statusCode, 200, promoted.body);
  return { fastify, runtime, stateChanging };
}

/** The registry as the admin API lists it: what an attack must not change. */
async function registryState(fastify: FastifyInstance): Promise<unknown> {
  const listing = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
  return listing.json();
}

/** A body that would be a valid request to each route (so only the guard can refuse it). */
const VALID_BODY: Record<string, unknown> = {
  "/v1/admin/checkpoints": { id: "evil", kind: "lora", base_model: BASE, uri: "/tmp/evil" },
  "/v1/admin/promote": { checkpoint: BASE },
  "/v1/admin/rollback": {},
};
const EVIL = "http://evil.example";

/** What a page elsewhere (or a rebound DNS name) can make a browser send; and the answer due. */
function attacks(
  url: string,
): { name: string; headers: Record<string, string>; payload?: string; code: string }[] {
  const json = JSON.stringify(VALID_BODY[url] ?? {});
  return [
    { name: "no-cors POST, no body", headers: { origin: EVIL }, code: "FORBIDDEN" },
    {
      name: "no-cors text/plain",
      headers: { origin: EVIL, "content-type": "text/plain;charset=UTF-8" },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "a form",
      headers: { origin: EVIL, "content-type": "application/x-www-form-urlencoded" },
      payload: "checkpoint=jurist-sim-judge",
      code: "FORBIDDEN",
    },
    {
      name: "a multipart form",
      headers: { origin: EVIL, "content-type": "multipart/form-data; boundary=x" },
      payload: '--x\r\ncontent-disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
      code: "FORBIDDEN",
    },
    {
      name: "Sec-Fetch-Site cross-site, no Origin",
      headers: { "sec-fetch-site": "cross-site", "content-type": "text/plain" },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "Sec-Fetch-Site same-site",
      headers: { "sec-fetch-site": "same-site", "content-type": "application/json" },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "a sandboxed page (Origin: null)",
      headers: { origin: "null", "content-type": "text/plain" },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "a foreign Origin even with JSON",
      headers: { origin: EVIL, "content-type": "application/json" },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "DNS rebinding: Host and Origin agree on a foreign name",
      headers: {
        host: "evil.example:8080",
        origin: "http://evil.example:8080",
        "sec-fetch-site": "same-origin",
        "content-type": "application/json",
      },
      payload: json,
      code: "FORBIDDEN",
    },
    {
      name: "no Origin (an old browser), text/plain",
      headers: { "content-type": "text/plain" },
      payload: json,
      code: "UNSUPPORTED_MEDIA",
    },
    { name: "no Origin, no body, no content-type", headers: {}, code: "UNSUPPORTED_MEDIA" },
  ];
}

t.test(
  "a no-cors POST from elsewhere to any state-changing admin route changes nothing",
  async (t) => {
    const { fastify, runtime, stateChanging } = await gateway(t);
    const found = stateChanging.map((route) => `${route.method} ${route.url}`).sort();
    // The routes come from the instance, so a new one is attacked too; these must be among them.
    for (const known of [
      "POST /v1/admin/checkpoints",
      "POST /v1/admin/promote",
      "POST /v1/admin/rollback",
    ]) {
      t.ok(found.includes(known), `${known} is enumerated (${found.join(", ")})`);
    }
    const before = await registryState(fastify);
    t.equal(runtime.fleet.champion(), CANDIDATE);
    for (const route of stateChanging) {
      for (const attack of attacks(route.url)) {
        const request: InjectOptions = {
          method: route.method as InjectOptions["method"],
          url: route.url,
          headers: attack.headers,
        };
        if (attack.payload !== undefined) request.payload = attack.payload;
        const response = await fastify.inject(request);
        const label = `${route.method} ${route.url}, ${attack.name}`;
        t.equal(response.json().error?.code, attack.code, `${label}: ${response.body}`);
        t.equal(response.statusCode, attack.code === "FORBIDDEN" ? 403 : 415, label);
      }
    }
    t.same(await registryState(fastify), before, "the registry is as it was");
    t.equal(runtime.fleet.champion(), CANDIDATE, "the champion did not change");

    // The same call from the gateway's own origin, declared JSON, goes through.
    const own = await fastify.inject({
      method: "POST",
      url: "/v1/admin/rollback",
      headers: {
        origin: "http://localhost",
        "sec-fetch-site": "same-origin",
        "content-type": "application/json",
      },
      payload: "{}",
    });
    t.equal(own.statusCode, 200, own.body);
    t.equal(runtime.fleet.champion(), BASE, "a same-origin JSON rollback works");
  },
);

t.test("an origin in JURIST_ADMIN_ORIGINS may call (a proxy that rewrites Host)", async (t) => {
  const { fastify } = await gateway(t, { JURIST_ADMIN_ORIGINS: "https://jurist.example.com" });
  const call = (origin: string) =>
    fastify.inject({
      method: "POST",
      url: "/v1/admin/rollback",
      headers: { host: "127.0.0.1:8080", origin, "content-type": "application/json" },
      payload: "{}",
    });
  t.equal((await call("https://other.example.com")).statusCode, 403);
  const listed = await call("https://jurist.example.com");
  t.equal(listed.statusCode, 200, listed.body);
});

t.test(
  "once any key exists, state-changing admin calls need an admin key (auth off)",
  async (t) => {
    const { fastify, runtime } = await gateway(t, { JURIST_AUTH: "off" });
    const register = (id: string, key?: string) =>
      fastify.inject({
        method: "POST",
        url: "/v1/admin/checkpoints",
        headers: {
          "content-type": "application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        payload: { id, kind: "lora", base_model: BASE, uri: "/tmp/x" },
      });
    t.equal((await register("before-keys")).statusCode, 201, "no key exists: open");
    const judge = generateApiKey("acme", "judge");
    const admin = generateApiKey("ops", "admin");
    await runtime.stores.keys.add(judge.record);
    await runtime.stores.keys.add(admin.record);
    const anonymous = await register("anonymous");
    t.equal(anonymous.statusCode, 401);
    t.equal(anonymous.json().error.code, "UNAUTHENTICATED");
    t.match(anonymous.json().error.message, /API keys exist/);
    t.equal((await register("judge", judge.plain)).statusCode, 403, "a judge key is not enough");
    t.equal((await register("admin", admin.plain)).statusCode, 201, "an admin key is");
    const ids = ((await registryState(fastify)) as { data: { id: string }[] }).data.map(
      (r) => r.id,
    );
    t.notOk(ids.includes("anonymous"), "the refused registration did not happen");
    const read = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
    t.equal(read.statusCode, 200, "reading stays open while auth is off");
  },
);

t.test("no CORS headers: a browser elsewhere can neither preflight nor read", async (t) => {
  const { fastify } = await gateway(t);
  const preflight = await fastify.inject({
    method: "OPTIONS",
    url: "/v1/admin/rollback",
    headers: {
      origin: EVIL,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  const read = await fastify.inject({
    method: "GET",
    url: "/v1/admin/checkpoints",
    headers: { origin: EVIL },
  });
  for (const response of [preflight, read]) {
    const cors = Object.keys(response.headers).filter((name) => name.startsWith("access-control-"));
    t.same(cors, [], `${response.statusCode}: no access-control-* header`);
  }
});
