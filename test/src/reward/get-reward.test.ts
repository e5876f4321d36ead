import t from "tap";
import { logitScore, MINIMUM_REWARD, PROBABILITY_FLOOR } from "../../../src/core/reward-scores.ts";
import type { OpenRlhfResponse } from "../../../src/http/wire/openrlhf-schema.ts";
import { TINY_PNG_DATA_URI } from "../../helpers/fixtures.ts";
import { startGateway, type TestGateway } from "../../helpers/gateway.ts";

/** A chat-templated prompt as OpenRLHF renders it, and a query = prompt + response + EOS. */
const prompt = (question: string) =>
  `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
const query = (question: string, response: string) => `${prompt(question)}${response}<|im_end|>`;

async function getReward(gateway: TestGateway, body: unknown) {
  const response = await gateway.fastify.inject({
    method: "POST",
    url: "/get_reward",
    payload: body as object,
  });
  return { status: response.statusCode, body: response.json() };
}

t.test("OpenRLHF's payload: rewards are logits, scores probabilities, per item", async (t) => {
  // One seed on both replicas: the same item gets the same verdict whichever replica judges it.
  const gateway = await startGateway(t, { sim: { seed: 7 } });
  const questions = ["How many apples?", "What colour is the car?", "Is it raining?"];
  const responses = ["Three apples.", "The car is red.", "No, it is sunny."];
  const { status, body } = await getReward(gateway, {
    query: questions.map((q, i) => query(q, responses[i]!)),
    prompts: questions.map(prompt),
    labels: ["There are three apples.", "Red.", "It is not raining."],
  });
  t.equal(status, 200);
  const answer = body as OpenRlhfResponse;
  t.equal(answer.rewards.length, 3);
  answer.scores.forEach((p, i) => {
    t.ok(p! > 0 && p! < 1, `scores[${i}] is a probability`);
    t.ok(
      Math.abs(answer.rewards[i]! - logitScore(p!)) < 1e-12,
      `rewards[${i}] = logit(scores[${i}])`,
    );
  });
  t.same(answer.extra_logs.jurist_probability, answer.scores);
  t.same(answer.extra_logs.jurist_failed, [0, 0, 0]);
  t.notOk("failure_reasons" in answer.extra_logs, "numbers only when nothing failed");
  t.same(answer.failures, []);
  t.equal(answer.checkpoint, "jurist-sim-judge");
  t.equal(answer.simulated, true);

  const single = await getReward(gateway, {
    query: [query(questions[0]!, responses[0]!)],
    prompts: [prompt(questions[0]!)],
    labels: ["There are three apples."],
  });
  t.equal(single.body.rewards[0], answer.rewards[0], "one item per call, as OpenRLHF sends it");
});

t.test(
  "a query not starting with its prompt, or without a label, fails only its item",
  async (t) => {
    const gateway = await startGateway(t);
    const { status, body } = await getReward(gateway, {
      query: [
        query("How many apples?", "Three."),
        query("How many pears?", "Two."),
        query("What colour?", "Blue."),
        query("Where?", "Here."),
        `${prompt("Empty?")}<|im_end|>`,
      ],
      prompts: [
        prompt("How many apples?"),
        prompt("How many bananas?"),
        prompt("What colour?"),
        prompt("Where?"),
        prompt("Empty?"),
      ],
      labels: ["Three apples.", "Two pears.", "", null, "Something."],
    });
    t.equal(status, 200);
    const answer = body as OpenRlhfResponse;
    t.ok(typeof answer.rewards[0] === "number", "the good item is scored");
    t.same(answer.rewards.slice(1), [null, null, null, MINIMUM_REWARD]);
    t.same(answer.scores.slice(1), [null, null, null, PROBABILITY_FLOOR]);
    t.same(answer.extra_logs.jurist_failed, [0, 1, 1, 1, 0]);
    t.same(answer.extra_logs.jurist_empty, [0, 0, 0, 0, 1], "the empty generation: the minimum");
    t.same(answer.failures, [
      { index: 1, reason: "the query does not start with its prompt" },
      { index: 2, reason: "no reference: labels[2] is empty" },
      { index: 3, reason: "no reference: labels[3] is empty" },
    ]);
    t.same(answer.extra_logs.failure_reasons, [
      null,
      ...answer.failures.map((f) => f.reason),
      null,
    ]);

    const unlabelled = await getReward(gateway, {
      query: [query("How many apples?", "Three.")],
      prompts: [prompt("How many apples?")],
    });
    t.equal(unlabelled.status, 200, "no labels at all: per-item failures, not a crash");
    t.same(unlabelled.body.rewards, [null]);
    t.same(unlabelled.body.failures, [
      { index: 0, reason: "no reference: the request has no labels" },
    ]);
  },
);

t.test(
  "the images extension: resolved per distinct list; a bad image fails its item",
  async (t) => {
    const gateway = await startGateway(t);
    const notAnImage = `data:image/png;base64,${Buffer.from("hello world").toString("base64")}`;
    const { status, body } = await getReward(gateway, {
      query: [query("What is shown?", "A pixel."), query("What is shown?", "Nothing.")],
      prompts: [prompt("What is shown?"), prompt("What is shown?")],
      labels: ["A single pixel.", "A single pixel."],
      images: [[{ url: TINY_PNG_DATA_URI }], [{ url: notAnImage }]],
    });
    t.equal(status, 200);
    t.ok(typeof body.rewards[0] === "number");
    t.equal(body.rewards[1], null);
    t.match(body.failures[0], { index: 1, reason: /^images: UNSUPPORTED_MEDIA: / });
  },
);

t.test("malformed envelopes are a 400 with a stable code", async (t) => {
  const gateway = await startGateway(t, { replicas: 1 });
  const ok = { query: [query("Q?", "A.")], prompts: [prompt("Q?")], labels: ["A."] };
  const cases: [string, unknown][] = [
    ["prompts shorter than query", { ...ok, prompts: [] }],
    ["labels longer than query", { ...ok, labels: ["A.", "B."] }],
    ["images of another length", { ...ok, images: [[], []] }],
    ["no prompts", { query: ok.query, labels: ok.labels }],
    ["query not a list", { ...ok, query: "Q? A." }],
    ["empty query list", { query: [], prompts: [], labels: [] }],
  ];
  for (const [name, payload] of cases) {
    const { status, body } = await getReward(gateway, payload);
    t.equal(status, 400, name);
    t.equal(body.error.code, "INVALID_REQUEST", name);
  }
  const mismatch = await getReward(gateway, { ...ok, prompts: [] });
  t.match(mismatch.body.error.details, [{ path: "prompts", reason: "has 0 entries; query has 1" }]);
});
