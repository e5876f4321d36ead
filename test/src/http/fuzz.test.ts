import type { AddressInfo } from "node:net";
import fc from "fast-check";
import t from "tap";
import { request } from "undici";
import { TINY_PNG_DATA_URI, validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

// Image URLs stay on loopback or on addresses refused before connecting: a fuzz run must never
// send traffic off this machine.
const imageUrl = fc.oneof(
  fc.constant(TINY_PNG_DATA_URI),
  fc.constant("data:image/png;base64,"),
  fc.string().map((s) => `data:image/gif;base64,${s}`),
  fc.base64String().map((s) => `data:image/jpeg;base64,${s}`),
  fc.constant("http://10.0.0.1/a.png"),
  fc.constant("http://[::1]:1/a.png"),
  fc.constant("file:///etc/passwd"),
  fc.string(),
);

const mutation = fc.oneof(
  fc.record({ question: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
  fc.record({ responses: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }) }),
  fc.record({ images: fc.array(fc.record({ url: imageUrl }), { maxLength: 3 }) }),
  fc.record({ images: fc.anything() }),
  fc.record({ mode: fc.oneof(fc.constantFrom("fast", "reasoned", "x"), fc.integer()) }),
  fc.record({ swap: fc.anything() }),
  fc.record({ rubric: fc.oneof(fc.string(), fc.anything()) }),
  fc.record({ seed: fc.oneof(fc.integer(), fc.double(), fc.string()) }),
  fc.record({ checkpoint: fc.oneof(fc.string(), fc.anything()) }),
  fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }),
);

const body = fc.oneof(
  { weight: 3, arbitrary: mutation.map((m) => JSON.stringify({ ...validPairwiseBody(), ...m })) },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? "null") },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...Object.keys(validPairwiseBody())), fc.anything())
      .map(([key, value]) => {
        const { [key]: _dropped, ...rest } = validPairwiseBody();
        return JSON.stringify({ ...rest, extra: value });
      }),
  },
);

const route = fc.constantFrom("/v1/judge/pairwise", "/v1/judge/batch");
const contentType = fc.constantFrom("application/json", "application/json", "text/plain", "");

t.test("1,000+ random and mutated bodies: never a 5xx, server alive after", async (t) => {
  const { fastify } = await startGateway(t, { env: { JURIST_IMAGE_FETCH_ALLOW: "" } });
  await fastify.listen({ host: "127.0.0.1", port: 0 });
  const { port } = fastify.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const statuses = new Map<number, number>();

  await fc.assert(
    fc.asyncProperty(route, body, contentType, async (path, payload, type) => {
      const batched = path.endsWith("batch") ? `{"items":[${payload}]}` : payload;
      const response = await request(`${origin}${path}`, {
        method: "POST",
        body: batched,
        headers: type ? { "content-type": type } : {},
      });
      const text = await response.body.text();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode >= 500) throw new Error(`${response.statusCode}: ${text}`);
      if (response.statusCode >= 400) {
        const parsed = JSON.parse(text);
        if (typeof parsed.error?.code !== "string") throw new Error(`no error code: ${text}`);
      }
    }),
    { numRuns: 1_200 },
  );

  t.comment(`statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.ok((statuses.get(200) ?? 0) > 0, "some mutated bodies were still valid and judged");
  t.ok((statuses.get(400) ?? 0) > 0, "many were refused");
  const health = await request(`${origin}/healthz`);
  t.equal(health.statusCode, 200, "the server is alive afterwards");
  await health.body.dump();
});
