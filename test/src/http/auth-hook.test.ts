import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { startGateway } from "../../helpers/gateway.ts";

/**
 * The auth hook answers without a promise when it knows the principal at once: no key where
 * none is required, or a key the authenticator remembers. Each check runs twice, the second
 * time on that path, so a fast path answering differently from the store's fails here.
 */

t.test("a remembered key keeps its scope, and is refused once revoked", async (t) => {
  const { fastify, runtime } = await startGateway(t, { env: { JURIST_AUTH: "required" } });
  const judge = generateApiKey("acme", "judge");
  await runtime.stores.keys.add(judge.record);
  const get = (url: string, key?: string) =>
    fastify.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });
  for (const round of ["first", "remembered"]) {
    t.equal((await get("/v1/models", judge.plain)).statusCode, 200, `${round}: judge scope`);
    const admin = await get("/v1/admin/checkpoints", judge.plain);
    t.equal(admin.statusCode, 403, `${round}: no admin scope`);
    t.equal(admin.json().error.code, "FORBIDDEN");
    const anonymous = await get("/v1/models");
    t.equal(anonymous.statusCode, 401, `${round}: no key where one is required`);
    t.equal(anonymous.json().error.code, "UNAUTHENTICATED");
  }
  t.ok(await runtime.stores.keys.revoke(judge.record.id));
  const revoked = await get("/v1/models", judge.plain);
  t.equal(revoked.statusCode, 401, "revoked: the next call is refused");
  t.equal(revoked.json().error.code, "UNAUTHENTICATED");
});

t.test(
  "keys off: anonymous where allowed, yet a state-changing admin call needs a key",
  async (t) => {
    const { fastify, runtime } = await startGateway(t, { env: { JURIST_AUTH: "off" } });
    for (const round of ["first", "second"]) {
      t.equal((await fastify.inject({ url: "/v1/admin/checkpoints" })).statusCode, 200, round);
    }
    await runtime.stores.keys.add(generateApiKey("ops", "admin").record);
    const promote = await fastify.inject({
      method: "POST",
      url: "/v1/admin/promote",
      payload: { checkpoint: "x" },
    });
    t.equal(promote.statusCode, 401, "keys exist: the admin hook's own rule still asks");
    t.equal(promote.json().error.code, "UNAUTHENTICATED");
  },
);
