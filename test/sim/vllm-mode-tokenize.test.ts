import t from "tap";
import { tokenId } from "../../sim/tokenize-route.ts";
import { judgeMessages, post, startSim } from "./sim-client.ts";

/**
 * What `jurist doctor` asks of a replica besides completions, against vLLM's own code:
 * - `POST /tokenize` {prompt, add_special_tokens, return_token_strs} → {count, max_model_len,
 *   tokens, token_strs} (TokenizeCompletionRequest / TokenizeResponse in
 *   vllm/entrypoints/openai/protocol.py, as read for 0.11–0.12); outside /v1, so `--api-key` does not guard it.
 * - `--max-logprobs` (default 20): more `top_logprobs` is a 400 "Requested sample logprobs of
 *   N, which is greater than max allowed: M" (`_validate_logprobs`, vllm/v1/engine/processor.py, the v1 engine of 0.10–0.12).
 */

t.test("/tokenize splits [[A]] with the letter alone, and names the context", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.12.0", apiKey: "k", maxModelLen: 4096 });
  const answer = await post(`${sim.url}/tokenize`, {
    prompt: "[[A]]",
    add_special_tokens: false,
    return_token_strs: true,
  });
  t.equal(answer.status, 200, "no key needed outside /v1");
  t.same(answer.json.token_strs, ["[[", "A", "]]"]);
  t.same(answer.json.tokens, ["[[", "A", "]]"].map(tokenId));
  t.equal(answer.json.count, 3);
  t.equal(answer.json.max_model_len, 4096);
  const idsOnly = await post(`${sim.url}/tokenize`, { prompt: "[[B]] then" });
  t.equal(idsOnly.json.token_strs, null, "token strings only when asked");
  t.equal(idsOnly.json.count, 5);
  const unknown = await post(`${sim.url}/tokenize`, { model: "gpt-4o", prompt: "x" });
  t.equal(unknown.status, 404);
});

t.test("--max-logprobs refuses more top_logprobs with vLLM's message", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.11.0", maxLogprobs: 5 });
  const messages = judgeMessages("Two cups.", "Three cups.", "fast");
  const within = await post(`${sim.url}/v1/chat/completions`, {
    messages,
    logprobs: true,
    top_logprobs: 5,
  });
  t.equal(within.status, 200);
  const over = await post(`${sim.url}/v1/chat/completions`, {
    messages,
    logprobs: true,
    top_logprobs: 6,
  });
  t.equal(over.status, 400);
  t.equal(
    over.json.error.message,
    "Requested sample logprobs of 6, which is greater than max allowed: 5",
  );
  const byDefault = await startSim(t, { vllmVersion: "0.11.0" });
  const twentyOne = await post(`${byDefault.url}/v1/chat/completions`, {
    messages,
    logprobs: true,
    top_logprobs: 21,
  });
  t.match(twentyOne.json.error.message, /max allowed: 20/);
});
