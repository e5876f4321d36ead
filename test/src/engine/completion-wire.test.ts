import t from "tap";
import { fromChatBody, toChatBody } from "../../../src/engine/completion-wire.ts";

const request = {
  messages: [{ role: "user" as const, content: "hi" }],
  maxTokens: 1,
  temperature: 0,
  seed: 7,
  topLogprobs: 5,
  choice: ["A", "B"],
};

t.test("constrained choice uses the configured vLLM field", async (t) => {
  const current = toChatBody("m", request, "structured_outputs");
  t.same(current.structured_outputs, { choice: ["A", "B"] });
  t.notOk("guided_choice" in current);
  const older = toChatBody("m", request, "guided_choice");
  t.same(older.guided_choice, ["A", "B"]);
  t.notOk("structured_outputs" in older);
});

t.test("asks for logprobs with top alternatives", async (t) => {
  const body = toChatBody("m", request, "structured_outputs");
  t.equal(body.logprobs, true);
  t.equal(body.top_logprobs, 5);
  t.equal(body.seed, 7);
  t.equal(body.model, "m");
});

t.test("reads text and per-token logprobs", async (t) => {
  const [choice] = fromChatBody({
    choices: [
      {
        message: { content: "[[A]]" },
        finish_reason: "stop",
        logprobs: {
          content: [
            { token: "[[", logprob: 0, top_logprobs: [{ token: "[[", logprob: 0 }] },
            {
              token: "A",
              logprob: -0.1,
              top_logprobs: [
                { token: "A", logprob: -0.1 },
                { token: "B", logprob: -2.4 },
              ],
            },
          ],
        },
      },
    ],
  });
  t.equal(choice?.text, "[[A]]");
  t.equal(choice?.tokens?.[1]?.top[1]?.token, "B");
  t.equal(choice?.finishReason, "stop");
});

t.test("no logprobs → tokens null; no choices → throws", async (t) => {
  t.equal(fromChatBody({ choices: [{ message: { content: "x" } }] })[0]?.tokens, null);
  t.throws(() => fromChatBody({ choices: [] }));
  t.throws(() => fromChatBody(null));
});

t.test("reads prompt tokens and vLLM's cached tokens into every choice", async (t) => {
  const body = {
    choices: [{ message: { content: "A" } }, { message: { content: "B" } }],
    usage: { prompt_tokens: 900, prompt_tokens_details: { cached_tokens: 640 } },
  };
  const [first, second] = fromChatBody(body);
  t.same(first?.prompt, { total: 900, cached: 640 });
  t.same(second?.prompt, { total: 900, cached: 640 }, "choices of one call share its usage");
  const withoutDetails = fromChatBody({
    choices: [{ message: { content: "A" } }],
    usage: { prompt_tokens: 900, prompt_tokens_details: null },
  });
  t.same(withoutDetails[0]?.prompt, { total: 900, cached: null }, "no details: not reported");
  t.equal(fromChatBody({ choices: [{ message: { content: "A" } }] })[0]?.prompt, undefined);
  t.equal(
    fromChatBody({ choices: [{ message: { content: "A" } }], usage: { prompt_tokens: "x" } })[0]
      ?.prompt,
    undefined,
    "unreadable usage is no usage",
  );
});
