/**
 * `/get_reward` on what OpenRLHF actually sends (v0.9.0 experience_maker.py and
 * remote_rm_utils.py; v0.11.0 utils/agent.py and samples_generator.py): queries decoded with
 * skip_special_tokens=False (chat markup, the EOS, expanded image placeholders), labels from
 * any dataset column ("" without --label_key), and rewards it turns into tensors, which a
 * null or a string in `rewards`, `scores` or `extra_logs` crashes. Real simulated replicas:
 * their verdict is a function of the exact texts they are sent, so equal rewards mean the
 * judge saw equal texts.
 */
import t from "tap";
import {
  MINIMUM_REWARD,
  PROBABILITY_FLOOR,
  probabilityOf,
} from "../../../src/core/reward-scores.ts";
import { MAX_OPENRLHF_IMAGE_ITEMS, MAX_OPENRLHF_ITEMS } from "../../../src/reward/reward-limits.ts";
import { buildGateway, startSims, type Teardown, type TestGateway } from "../../helpers/gateway.ts";
import { simMetric } from "../../helpers/grpc.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

type Gateway = Pick<TestGateway, "fastify">;

async function getReward(gateway: Gateway, body: unknown) {
  const response = await gateway.fastify.inject({
    method: "POST",
    url: "/get_reward",
    payload: body as object,
  });
  return { status: response.statusCode, body: response.json() };
}

/** A gateway on `replicas` sims of one seed (same text, same verdict, whichever replica). */
async function gatewayOnSims(t: Teardown, env: Record<string, string> = {}) {
  const sims = await startSims(t, 2, { seed: 11 });
  const gateway = await buildGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    ...env,
  });
  const completions = async () => {
    const counts = await Promise.all(
      sims.map((sim) => simMetric(sim.url, "vllm:request_success_total")),
    );
    return counts.reduce((a, b) => a + b, 0);
  };
  return { ...gateway, completions };
}

const qwenPrompt = (question: string) =>
  `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
const llamaPrompt = (question: string) =>
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n\n<|eot_id|>" +
  `<|start_header_id|>user<|end_header_id|>\n\n${question}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
const gemmaPrompt = (question: string) =>
  `<bos><start_of_turn>user\n${question}<end_of_turn>\n<start_of_turn>model\n`;

/** A gateway on one sim behind a recording proxy: what the judge was sent, call by call. */
async function recordedGateway(t: Teardown, env: Record<string, string> = {}) {
  const [sim] = await startSims(t, 1, { seed: 11 });
  const proxy = await startRecordingProxy(t, sim!.url);
  const gateway = await buildGateway(t, { JURIST_BACKENDS: proxy.url, ...env });
  /** The messages of the engine calls one request made, in a stable order. */
  const sent = async (body: unknown) => {
    const before = proxy.requests.filter(isChatCompletion).length;
    const answer = await getReward(gateway, body);
    const calls = proxy.requests.filter(isChatCompletion).slice(before);
    const messages = calls.map((call) => JSON.stringify(JSON.parse(String(call.body)).messages));
    return { answer, messages: messages.sort() };
  };
  return { sent };
}

t.test("a query with markup and EOS gets the reward of the clean query", async (t) => {
  const question = "How many cats are on the sofa?";
  const response = "Two cats, one asleep.";
  const labels = ["There are two cats on the sofa."];
  const marked = {
    qwen: [qwenPrompt(question), "<|im_end|><|endoftext|>"],
    llama: [llamaPrompt(question), "<|eot_id|>"],
    gemma: [gemmaPrompt(question), "<end_of_turn>"],
    "qwen-vl": [qwenPrompt(`<|vision_start|><|image_pad|><|vision_end|>${question}`), "<|im_end|>"],
  } as const;
  const queryOf = (prompt: string, eos: string) =>
    `${prompt}${response}${eos}`.replace("<|image_pad|>", "<|image_pad|>".repeat(256));

  const { sent } = await recordedGateway(t);
  const clean = await sent({ query: [`${question}${response}`], prompts: [question], labels });
  t.equal(clean.answer.status, 200);
  t.equal(typeof clean.answer.body.rewards[0], "number");
  t.equal(clean.messages.length, 2, "both orders");
  for (const [name, [prompt, eos]] of Object.entries(marked)) {
    const item = await sent({ query: [queryOf(prompt, eos)], prompts: [prompt], labels });
    t.same(item.answer.body.failures, [], name);
    t.same(item.messages, clean.messages, `${name}: the judge is sent the clean texts`);
    t.equal(item.answer.body.rewards[0], clean.answer.body.rewards[0], `${name}: same reward`);
  }

  // Taken verbatim (JURIST_REWARD_POLICY_TEMPLATE=none), the judge is sent the markup: what
  // the equality above depends on.
  const verbatim = await recordedGateway(t, { JURIST_REWARD_POLICY_TEMPLATE: "none" });
  const [prompt, eos] = marked.qwen;
  const seen = await verbatim.sent({ query: [queryOf(prompt, eos)], prompts: [prompt], labels });
  t.equal(seen.messages.length, 2);
  t.ok(
    seen.messages.every((messages) => messages.includes("<|im_end|>")),
    "markup and EOS reach the judge",
  );
});

t.test("an empty generation: the minimum, with no engine call", async (t) => {
  const gateway = await gatewayOnSims(t);
  const before = await gateway.completions();
  const prompt = qwenPrompt("Name a fruit.");
  const { status, body } = await getReward(gateway, {
    query: [`${prompt}<|im_end|>`, `${prompt} \n<|im_end|><|endoftext|>`],
    prompts: [prompt, prompt],
    labels: ["An apple.", ""],
  });
  t.equal(status, 200);
  t.same(body.rewards, [MINIMUM_REWARD, MINIMUM_REWARD]);
  t.same(body.scores, [PROBABILITY_FLOOR, PROBABILITY_FLOOR]);
  t.same(body.extra_logs.jurist_empty, [1, 1]);
  t.same(body.extra_logs.jurist_failed, [0, 0]);
  t.same(body.failures, [], "not a failure, even without a label");
  t.equal(await gateway.completions(), before, "nothing judged");
});

t.test("labels of any JSON type; empty ones fail their item alone", async (t) => {
  const gateway = await gatewayOnSims(t);
  const prompt = qwenPrompt("What is 6 times 7?");
  const labels = [42, "42", 4.5, true, { answer: 42 }, ["4", "2"], "", null, "  "];
  const { status, body } = await getReward(gateway, {
    query: labels.map(() => `${prompt}42<|im_end|>`),
    prompts: labels.map(() => prompt),
    labels,
  });
  t.equal(status, 200, "never a whole-request 400 for a label");
  t.ok(body.rewards.slice(0, 6).every((r: unknown) => typeof r === "number"));
  t.equal(body.rewards[0], body.rewards[1], "42 is judged as the text 42");
  t.same(
    body.failures.map((f: { index: number }) => f.index),
    [6, 7, 8],
  );
  t.match(body.failures[0].reason, /^no reference: labels\[6\] is empty$/);
});

t.test("JURIST_REWARD_ON_FAILURE: numbers everywhere OpenRLHF makes tensors", async (t) => {
  const gateway = await gatewayOnSims(t, { JURIST_REWARD_ON_FAILURE: "-2.5" });
  const prompt = qwenPrompt("Where is the car?");
  const { status, body } = await getReward(gateway, {
    query: [`${prompt}In the garage.<|im_end|>`, `${prompt}Outside.<|im_end|>`, "unrelated"],
    prompts: [prompt, prompt, prompt],
    labels: ["The car is in the garage.", "", "x"],
  });
  t.equal(status, 200);
  t.equal(typeof body.rewards[0], "number");
  t.same(body.rewards.slice(1), [-2.5, -2.5]);
  t.same(body.scores.slice(1), [probabilityOf(-2.5), probabilityOf(-2.5)]);
  t.same(body.extra_logs.jurist_failed, [0, 1, 1]);
  t.notOk("failure_reasons" in body.extra_logs, "no strings among the tensors");
  for (const [key, series] of Object.entries(body.extra_logs)) {
    t.ok(
      (series as unknown[]).every((value) => typeof value === "number"),
      `extra_logs.${key}: numbers`,
    );
  }
  t.same(
    body.failures.map((f: { index: number }) => f.index),
    [1, 2],
    "the reasons still reported",
  );
});

t.test("a batch over 1,024 items is judged whole; past the cap a 400 says why", async (t) => {
  const gateway = await gatewayOnSims(t, { JURIST_REWARD_MODE: "fast" });
  const count = 1500;
  const prompts = Array.from({ length: count }, (_, i) => qwenPrompt(`What is ${i} plus one?`));
  const { status, body } = await getReward(gateway, {
    query: prompts.map((prompt, i) => `${prompt}${i + 1}.<|im_end|>`),
    prompts,
    labels: prompts.map((_, i) => i + 1),
  });
  t.equal(status, 200);
  t.equal(body.rewards.length, count);
  t.ok(
    body.rewards.every((r: unknown) => typeof r === "number"),
    "every item a number",
  );
  t.same(body.failures, []);

  const over = MAX_OPENRLHF_ITEMS + 1;
  const tooMany = await getReward(gateway, {
    query: Array(over).fill("q"),
    prompts: Array(over).fill("q"),
  });
  t.equal(tooMany.status, 400);
  t.equal(tooMany.body.error.code, "INVALID_REQUEST");
  t.match(tooMany.body.error.details[0], {
    path: "query",
    reason: `at most ${MAX_OPENRLHF_ITEMS} items per request: split the batch (several --remote_rm_url servers each get a share)`,
  });

  const withImages = MAX_OPENRLHF_IMAGE_ITEMS + 1;
  const imaged = await getReward(gateway, {
    query: Array(withImages).fill("q"),
    prompts: Array(withImages).fill("q"),
    images: Array(withImages).fill([]),
  });
  t.equal(imaged.status, 400, "the images extension keeps its 1,024 items");
  t.match(imaged.body.error.details[0], { path: "images", reason: /^at most 1024 items/ });
});
