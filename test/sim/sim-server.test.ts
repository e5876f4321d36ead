import t from "tap";
import { chat, get, judgeMessages, post, startSim } from "./sim-client.ts";

const OPEN = [{ role: "user", content: "Describe the image." }];

/** The body without `created`, the one field that follows the clock. */
function stable(body: Record<string, unknown>): string {
  const { created: _created, ...rest } = body;
  return JSON.stringify(rest);
}

t.test("health and models say simulated, as vLLM shapes them", async (t) => {
  const sim = await startSim(t, { modelId: "tiny-sim" });
  const health = await get(`${sim.url}/health`);
  t.equal(health.status, 200);
  t.equal(health.text, "");
  t.equal(health.headers.get("x-jurist-simulated"), "true");
  const models = await get(`${sim.url}/v1/models`);
  t.equal(models.json.object, "list");
  t.match(models.json.data, [
    { id: "tiny-sim", object: "model", owned_by: "jurist-sim", parent: null, simulated: true },
  ]);
  t.equal(models.json.data.length, 1);
});

/**
 * A closed question: its samples vary in reasoning and answer. (An open description of one
 * scene varies only where the generator errs, so its samples often coincide.)
 */
const CLOSED = [
  { role: "user", content: "How many cups are in the picture? Answer with a number." },
];

t.test("same seed and request give the same bytes; another seed differs", async (t) => {
  const [a, b, c] = await Promise.all([
    startSim(t, { seed: 7 }),
    startSim(t, { seed: 7 }),
    startSim(t, { seed: 8 }),
  ]);
  const body = { messages: CLOSED, n: 3, seed: 11, logprobs: true, top_logprobs: 4 };
  const [ra, rb, rc, again] = await Promise.all([
    chat(a, body),
    chat(b, body),
    chat(c, body),
    chat(a, body),
  ]);
  t.equal(ra.status, 200);
  t.equal(stable(ra.json), stable(rb.json), "two replicas, same seed");
  t.equal(stable(ra.json), stable(again.json), "same replica, repeated");
  t.not(ra.json.choices[0].message.content, rc.json.choices[0].message.content, "other sim seed");
  const otherRequestSeed = await chat(a, { ...body, seed: 12 });
  t.not(otherRequestSeed.json.choices[0].message.content, ra.json.choices[0].message.content);
  const contents = ra.json.choices.map(
    (choice: { message: { content: string } }) => choice.message.content,
  );
  t.equal(new Set(contents).size, 3, "samples of one request differ");
  const plain = await chat(a, { messages: CLOSED, n: 3, seed: 11 });
  t.same(
    plain.json.choices.map((choice: { message: { content: string } }) => choice.message.content),
    contents,
    "asking for logprobs does not change the content",
  );
  t.equal(plain.json.choices[0].logprobs, null);
});

t.test("completion body has vLLM's shape plus simulated: true", async (t) => {
  const sim = await startSim(t);
  const result = await chat(sim, { model: "jurist-sim-judge", messages: OPEN });
  t.match(result.json, {
    id: /^chatcmpl-sim-/,
    object: "chat.completion",
    created: Number,
    model: "jurist-sim-judge",
    simulated: true,
    choices: [{ index: 0, message: { role: "assistant", content: String }, finish_reason: "stop" }],
    usage: { prompt_tokens: Number, completion_tokens: Number, total_tokens: Number },
  });
  const usage = result.json.usage;
  t.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

t.test("max_tokens truncates with finish_reason length", async (t) => {
  const sim = await startSim(t);
  const full = await chat(sim, { messages: judgeMessages("x y", "z w"), seed: 1 });
  const cut = await chat(sim, {
    messages: judgeMessages("x y", "z w"),
    seed: 1,
    max_tokens: 5,
    logprobs: true,
  });
  t.equal(full.json.choices[0].finish_reason, "stop");
  t.equal(cut.json.choices[0].finish_reason, "length");
  t.equal(cut.json.usage.completion_tokens, 5);
  t.equal(cut.json.choices[0].logprobs.content.length, 5);
  const text: string = cut.json.choices[0].message.content;
  t.ok(full.json.choices[0].message.content.startsWith(text) && text.length > 0);
  t.notMatch(text, /\[\[/, "the verdict was cut off");
});

t.test("unknown model is a 404 and malformed bodies are 400s, in vLLM's error shape", async (t) => {
  const sim = await startSim(t);
  const url = `${sim.url}/v1/chat/completions`;
  const unknown = await chat(sim, { model: "gpt-4o", messages: OPEN });
  t.equal(unknown.status, 404);
  t.match(unknown.json, {
    error: { message: /gpt-4o/, type: "NotFoundError", code: 404 },
    simulated: true,
  });
  const bad = [
    "{not json",
    { messages: [] },
    { messages: "hello" },
    { messages: OPEN, n: 0 },
    { messages: OPEN, n: 33 },
    { messages: OPEN, top_logprobs: 21, logprobs: true },
    { messages: OPEN, top_logprobs: 3 },
    { messages: OPEN, max_tokens: 0 },
    {
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "file:///x" } }] },
      ],
    },
  ];
  for (const body of bad) {
    const result = await post(url, body);
    t.equal(result.status, 400, JSON.stringify(body));
    t.match(result.json, { error: { message: String, type: "BadRequestError", code: 400 } });
  }
  const allowed = await post(url, { messages: OPEN, top_logprobs: 0, logprobs: false });
  t.equal(allowed.status, 200, "top_logprobs 0 needs no logprobs, as in vLLM");
  t.equal((await get(`${sim.url}/nope`)).status, 404);
});

t.test("images count toward prompt tokens", async (t) => {
  const sim = await startSim(t);
  const text = { type: "text", text: "Describe the image." };
  const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } };
  const without = await chat(sim, { messages: [{ role: "user", content: [text] }] });
  const withImage = await chat(sim, { messages: [{ role: "user", content: [image, text] }] });
  t.ok(withImage.json.usage.prompt_tokens > without.json.usage.prompt_tokens);
});

t.test("setOptions validates and applies", async (t) => {
  const sim = await startSim(t);
  t.throws(() => sim.setOptions({ accuracy: 2 }), /accuracy/);
  t.throws(() => sim.setOptions({ modelId: "gpt-4o" }), /sim/);
  sim.setOptions({ modelId: "renamed-sim" });
  const models = await get(`${sim.url}/v1/models`);
  t.equal(models.json.data[0].id, "renamed-sim");
});
