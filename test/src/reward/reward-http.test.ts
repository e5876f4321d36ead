import t from "tap";
import type { RewardWire } from "../../../src/http/wire/reward-schema.ts";
import { TINY_PNG_DATA_URI } from "../../helpers/fixtures.ts";
import { startGateway, type TestGateway } from "../../helpers/gateway.ts";

const QUESTION = "How many apples are in the bowl?";
const GOOD = "There are three red apples in the bowl.";
const OTHER = "Five green apples sit in a basket.";
const REFERENCE = "The bowl holds three apples.";

async function reward(gateway: TestGateway, body: Record<string, unknown>): Promise<RewardWire> {
  const response = await gateway.fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: { question: QUESTION, images: [{ url: TINY_PNG_DATA_URI }], ...body },
  });
  if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`);
  return response.json() as RewardWire;
}

t.test(
  "reference method: a logit per candidate, ranked, from the simulated champion",
  async (t) => {
    const gateway = await startGateway(t);
    const body = await reward(gateway, {
      candidates: [GOOD, OTHER, "Apples."],
      reference: REFERENCE,
    });
    t.equal(body.method, "reference", "a reference given: the reference method by default");
    t.equal(body.mode, "reasoned", "the default JURIST_REWARD_MODE");
    t.equal(body.checkpoint, "jurist-sim-judge");
    t.equal(body.simulated, true);
    t.same(body.failures, []);
    t.equal(body.scores.length, 3);
    for (const score of body.scores) t.ok(Number.isFinite(score) && Math.abs(score!) <= 9.22);
    const sorted = [...body.ranking].map((i) => body.scores[i]!);
    t.same(
      sorted,
      [...sorted].sort((a, b) => b - a),
      "ranking by descending score",
    );
    t.same(body.pairs, { total: 3, judged: 3, dropped: [] });
    t.type(body.latency_ms, "number");
  },
);

t.test("swapping candidate and reference negates the score (both orders judged)", async (t) => {
  const gateway = await startGateway(t, { replicas: 1, sim: { seed: 11 } });
  for (const mode of ["reasoned", "fast"]) {
    const forward = await reward(gateway, {
      candidates: [GOOD, OTHER],
      reference: REFERENCE,
      mode,
    });
    const backward = await reward(gateway, {
      candidates: [REFERENCE, OTHER],
      reference: GOOD,
      mode,
    });
    t.ok(Number.isFinite(forward.scores[0]));
    t.ok(
      Math.abs(forward.scores[0]! + backward.scores[0]!) < 1e-9,
      `${mode}: score(c vs ref) ${forward.scores[0]} = −score(ref vs c) ${backward.scores[0]}`,
    );
  }
});

t.test("round robin: every pair judged, Bradley–Terry scores centred", async (t) => {
  const gateway = await startGateway(t);
  const candidates = [GOOD, OTHER, "Apples.", "I cannot see the image."];
  const body = await reward(gateway, { candidates, mode: "fast" });
  t.equal(body.method, "round_robin", "no reference: round robin by default");
  t.same(body.pairs, { total: 6, judged: 6, dropped: [] });
  const sum = body.scores.reduce((total: number, s) => total + s!, 0);
  t.ok(Math.abs(sum) < 1e-9);
  t.equal(new Set(body.ranking).size, 4);
});

t.test("a judge that never gives a verdict: explicit failures, no stand-in scores", async (t) => {
  const gateway = await startGateway(t, { replicas: 1, sim: { invalidRate: 1 } });
  const body = await reward(gateway, { candidates: [GOOD, OTHER, "Apples."] });
  t.same(body.scores, [null, null, null]);
  t.equal(body.failures.length, 3);
  for (const failure of body.failures) t.match(failure.reason, /every comparison failed/);
  t.equal(body.pairs.dropped.length, 3);
  t.same(body.ranking, [0, 1, 2]);
});

t.test("the reward routes are in the OpenAPI document", async (t) => {
  const gateway = await startGateway(t, { replicas: 1 });
  const document = (await gateway.fastify.inject({ method: "GET", url: "/openapi.json" })).json();
  const schema = document.paths["/v1/reward"].post.requestBody.content["application/json"].schema;
  t.same([...schema.required].sort(), ["candidates", "question"]);
  t.ok(document.paths["/get_reward"], "/get_reward documented");
});
