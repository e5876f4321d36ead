import t from "tap";
import { startGateway } from "../../helpers/gateway.ts";

type Body = Record<string, unknown>;

const valid = (): Body => ({
  question: "How many apples are in the bowl?",
  candidates: ["Three apples.", "Five apples."],
});

/** Each case: a body from a valid one, and the detail path API.md's 400 should name. */
const cases: [string, (body: Body) => Body, string | undefined][] = [
  ["one candidate", (b) => ({ ...b, candidates: ["only one"] }), "candidates"],
  ["no candidates", (b) => ({ ...b, candidates: [] }), "candidates"],
  ["17 candidates", (b) => ({ ...b, candidates: Array(17).fill("x") }), "candidates"],
  ["an empty candidate", (b) => ({ ...b, candidates: ["a", ""] }), "candidates.1"],
  ["a blank candidate", (b) => ({ ...b, candidates: ["a", "  "] }), "candidates.1"],
  ["reference method without a reference", (b) => ({ ...b, method: "reference" }), "reference"],
  [
    "round robin with a reference",
    (b) => ({ ...b, method: "round_robin", reference: "R" }),
    "reference",
  ],
  ["an unknown method", (b) => ({ ...b, method: "elo" }), "method"],
  ["an unknown mode", (b) => ({ ...b, mode: "slow" }), "mode"],
  ["an empty reference", (b) => ({ ...b, reference: "" }), "reference"],
  ["missing question", ({ question: _q, ...rest }) => rest, undefined],
  ["an unknown field", (b) => ({ ...b, temperature: 0.3 }), undefined],
  ["candidates not a list", (b) => ({ ...b, candidates: "a, b" }), "candidates"],
];

t.test("bad /v1/reward bodies: 400 INVALID_REQUEST naming the field", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 1 });
  for (const [name, mutate, path] of cases) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/reward",
      payload: mutate(valid()),
    });
    t.equal(response.statusCode, 400, name);
    const { error } = response.json();
    t.equal(error.code, "INVALID_REQUEST", name);
    if (path)
      t.ok(
        error.details.some((d: { path?: string }) => d.path === path),
        `${name}: ${path}`,
      );
  }
  const header = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: valid(),
    headers: { "x-jurist-priority": "urgent" },
  });
  t.equal(header.statusCode, 400, "an unknown priority class");
  const timeout = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: valid(),
    headers: { "x-jurist-timeout-ms": "soon" },
  });
  t.equal(timeout.statusCode, 400, "a malformed deadline");
  const text = await fetch(`${sims[0]!.url}/metrics`).then((r) => r.text());
  t.notMatch(text, /vllm:request_success_total\{[^}]*\} [1-9]/, "nothing reached the engine");
});
