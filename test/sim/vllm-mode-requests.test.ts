import t from "tap";
import { NON_RELEASE_VERSION } from "../../sim/vllm/vllm-version.ts";
import { chat, get, judgeMessages, post, startSim } from "./sim-client.ts";

/**
 * The simulated engine's vLLM mode against vLLM's own request handling:
 * - `GET /version` is `show_version` in vllm/entrypoints/openai/api_server.py:
 *   `{"version": VLLM_VERSION}`.
 * - Unknown request fields are allowed and only logged
 *   (vllm/entrypoints/openai/protocol.py, `OpenAIBaseModel`, extra="allow" and
 *   "The following fields were present in the request but ignored"), so a
 *   constrained-choice field the release lacks leaves the answer unconstrained.
 * - `structured_outputs` exists from 0.11.0 (0.10.2 has no `StructuredOutputsParams`: TRL
 *   PR #5423), `guided_choice` until 0.11.x (removed in 0.12.0, vLLM PR #29326); the rule is
 *   src/core/vllm-release.ts's.
 */

const FAST = judgeMessages("There are two red cups.", "There are three blue cups.", "fast");
const GUIDED = { guided_choice: ["A", "B"] };
const STRUCTURED = { structured_outputs: { choice: ["A", "B"] } };

t.test("/version names the release, or no release without --vllm-version", async (t) => {
  const [vllm, lenient] = await Promise.all([
    startSim(t, { vllmVersion: "0.11.0", apiKey: "k" }),
    startSim(t),
  ]);
  const answer = await get(`${vllm.url}/version`);
  t.equal(answer.status, 200, "no key needed: /version is outside /v1");
  t.equal(answer.json.version, "0.11.0");
  const plain = await get(`${lenient.url}/version`);
  t.equal(plain.json.version, NON_RELEASE_VERSION);
  t.notMatch(plain.json.version, /^\d+\.\d+\.\d+$/, "not a release number");
});

/** Ten verdicts in fast mode with one field; the contents. */
async function fastContents(
  url: string,
  field: Record<string, unknown>,
): Promise<{ statuses: number[]; contents: string[] }> {
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, seed) =>
      post(`${url}/v1/chat/completions`, { messages: FAST, seed, max_tokens: 200, ...field }),
    ),
  );
  return {
    statuses: answers.map((a) => a.status),
    contents: answers.map((a) => a.json.choices[0].message.content as string),
  };
}

const honoured = (contents: string[]) => contents.every((c) => c === "A" || c === "B");
const ignored = (contents: string[]) => contents.every((c) => c !== "A" && c !== "B");

t.test("each release honours only the choice field it has and ignores the other", async (t) => {
  const cases = [
    { version: "0.10.1", guided: true, structured: false },
    { version: "0.10.2", guided: true, structured: false },
    { version: "0.11.0", guided: true, structured: true },
    { version: "0.12.0", guided: false, structured: true },
  ];
  for (const c of cases) {
    const sim = await startSim(t, { vllmVersion: c.version });
    const guided = await fastContents(sim.url, GUIDED);
    const structured = await fastContents(sim.url, STRUCTURED);
    t.same(guided.statuses, Array(10).fill(200), `${c.version}: guided_choice answered 200`);
    t.same(structured.statuses, Array(10).fill(200), `${c.version}: structured_outputs 200`);
    t.ok(
      c.guided ? honoured(guided.contents) : ignored(guided.contents),
      `${c.version}: guided_choice ${c.guided ? "honoured" : "ignored"}`,
    );
    t.ok(
      c.structured ? honoured(structured.contents) : ignored(structured.contents),
      `${c.version}: structured_outputs ${c.structured ? "honoured" : "ignored"}`,
    );
  }
});

t.test("an ignored field leaves a free-text answer: the judge's reasoning", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.12.0" });
  const answer = await chat(sim, { messages: FAST, seed: 3, ...GUIDED });
  t.match(answer.json.choices[0].message.content, /As a simulated judge[\s\S]*\[\[[AB]\]\]$/);
});

t.test("the lenient engine still honours both fields", async (t) => {
  const sim = await startSim(t);
  t.ok(honoured((await fastContents(sim.url, GUIDED)).contents));
  t.ok(honoured((await fastContents(sim.url, STRUCTURED)).contents));
});
