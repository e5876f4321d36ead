import t from "tap";
import { judgeMessages, post, startSim } from "./sim-client.ts";

/**
 * Logprobs in vLLM mode against vLLM's own code:
 * - Each logprob token is decoded alone (vllm/transformers_utils/detokenizer_utils.py,
 *   `convert_ids_list_to_tokens`: `tokenizer.decode([token_id])`), so a character a byte-level
 *   BPE splits comes back "�" per piece before 0.12.0; from 0.12.0 (vllm/v1/engine/logprobs.py
 *   `_verify_tokens`, PR #28874) such a piece is "" with top_logprobs ≥ 1 (vLLM issue #27300).
 * - `bytes` is the token text's UTF-8 (serving_chat.py `_create_chat_logprobs`).
 * - The EOS token stays in the token ids, out of the text (vllm/v1/engine/detokenizer.py
 *   `update`), so it is the last logprob entry and counts in completion_tokens.
 * - Logprobs are clamped with `max(logprob, -9999.0)` (serving_chat.py), so tokens a grammar
 *   masks to -inf read -9999.0.
 */

const REASONED = judgeMessages("There are two red cups.", "There are three blue cups.");
const FAST = judgeMessages("There are two red cups.", "There are three blue cups.", "fast");

interface Entry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number }[];
}

/** Reasoned verdicts over several seeds until one carries a split character. */
async function splitVerdict(url: string) {
  for (let seed = 0; seed < 40; seed++) {
    const answer = await post(`${url}/v1/chat/completions`, {
      messages: REASONED,
      seed,
      logprobs: true,
      top_logprobs: 2,
    });
    const choice = answer.json.choices[0];
    if (/[^\x20-\x7e\n]/.test(choice.message.content)) return { answer, choice };
  }
  throw new Error("no reasoned verdict with a non-ASCII character in 40 seeds");
}

t.test(
  "before 0.12.0 a split character is one � per piece; tokens no longer join to content",
  async (t) => {
    const sim = await startSim(t, { vllmVersion: "0.11.0" });
    const { answer, choice } = await splitVerdict(sim.url);
    const entries: Entry[] = choice.logprobs.content;
    const joined = entries.map((e) => e.token).join("");
    t.not(joined, choice.message.content);
    const pieces = entries.filter((e) => e.token === "\ufffd");
    t.ok(pieces.length >= 2, "a multi-byte character spans several pieces");
    for (const piece of pieces) t.same(piece.bytes, [239, 191, 189], "bytes of the text �");
    const multiByte = [...choice.message.content].filter((c) => Buffer.byteLength(c) > 1);
    const expected = multiByte.reduce((n, c) => n + Buffer.byteLength(c), 0);
    t.equal(pieces.length, expected, "one piece per UTF-8 byte of the split characters");
    t.equal(
      answer.json.usage.completion_tokens,
      entries.length,
      "usage counts every token, EOS too",
    );
  },
);

t.test("from 0.12.0 the split pieces come back empty", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.12.0" });
  const { choice } = await splitVerdict(sim.url);
  const entries: Entry[] = choice.logprobs.content;
  t.notOk(
    entries.some((e) => e.token.includes("\ufffd")),
    "no � left",
  );
  const empty = entries.filter((e) => e.token === "");
  t.ok(empty.length >= 2, "the pieces are empty strings");
  for (const e of empty) t.same(e.bytes, []);
  const withoutEos = entries
    .slice(0, -1)
    .map((e) => e.token)
    .join("");
  t.not(withoutEos, choice.message.content, "the character is missing from the joined tokens");
});

t.test("the EOS text ends the token list but not content; its option changes it", async (t) => {
  const [qwen, other] = await Promise.all([
    startSim(t, { vllmVersion: "0.11.0" }),
    startSim(t, { vllmVersion: "0.11.0", eosText: "</s>" }),
  ]);
  const body = { messages: REASONED, seed: 1, logprobs: true, top_logprobs: 1 };
  const a = (await post(`${qwen.url}/v1/chat/completions`, body)).json.choices[0];
  t.equal(a.logprobs.content.at(-1).token, "<|im_end|>");
  t.notMatch(a.message.content, /im_end/);
  t.match(a.message.content, /\[\[[AB]\]\]$/);
  t.equal(a.finish_reason, "stop");
  const b = (await post(`${other.url}/v1/chat/completions`, body)).json.choices[0];
  t.equal(b.logprobs.content.at(-1).token, "</s>");
});

t.test("a sample cut by max_tokens has no EOS", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.11.0" });
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: REASONED,
    seed: 1,
    max_tokens: 5,
    logprobs: true,
  });
  const choice = answer.json.choices[0];
  t.equal(choice.finish_reason, "length");
  t.equal(choice.logprobs.content.length, 5);
  t.notOk(choice.logprobs.content.some((e: Entry) => e.token === "<|im_end|>"));
});

t.test("under an honoured choice, masked alternatives read -9999.0", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.12.0" });
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: FAST,
    logprobs: true,
    top_logprobs: 5,
    structured_outputs: { choice: ["A", "B"] },
  });
  const [letter, eos] = answer.json.choices[0].logprobs.content as Entry[];
  const top = letter!.top_logprobs;
  t.same(
    top
      .slice(0, 2)
      .map((e) => e.token)
      .sort(),
    ["A", "B"],
  );
  const mass = Math.exp(top[0]!.logprob) + Math.exp(top[1]!.logprob);
  t.ok(Math.abs(mass - 1) < 1e-9, "A and B share all the probability the mask leaves");
  t.ok(top[0]!.logprob > -9999 && top[1]!.logprob > -9999, "A and B keep real logprobs");
  t.same(
    top.slice(2).map((e) => e.logprob),
    [-9999, -9999, -9999],
  );
  t.equal(eos!.token, "<|im_end|>");
  t.equal(eos!.logprob, 0, "after a whole choice only EOS is allowed");
  t.same(
    eos!.top_logprobs.slice(1).map((e) => e.logprob),
    [-9999, -9999, -9999, -9999],
  );
});

t.test("the lenient engine keeps tokens that join to content, without EOS", async (t) => {
  const sim = await startSim(t);
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: REASONED,
    seed: 1,
    logprobs: true,
  });
  const choice = answer.json.choices[0];
  t.equal(choice.logprobs.content.map((e: Entry) => e.token).join(""), choice.message.content);
});
