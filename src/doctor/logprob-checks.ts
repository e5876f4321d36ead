import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";
import { fastVerdictBody, firstChoice } from "./probe-requests.ts";
import { errorMessage } from "./replica-http.ts";

/** vLLM reports a masked (constrained-out) alternative's logprob as -9999.0, not -inf. */
const MASKED = -9999;

/**
 * A fast verdict as the gateway sends it, with `top_logprobs` = JURIST_TOP_LOGPROBS: vLLM
 * refuses more than `--max-logprobs` (default 20) with a 400, which would fail every verdict.
 */
export const logprobsCheck: DoctorCheck = {
  name: "logprobs",
  needs: ["model", "field"],
  async run({ http, settings, facts }) {
    const body = fastVerdictBody(facts.model!, facts.field!, settings.topLogprobs);
    const answer = await http.post("/v1/chat/completions", body);
    if (answer.status !== 200) {
      return fail(
        `top_logprobs ${settings.topLogprobs} refused (${answer.status}): ${errorMessage(answer)}`,
        `start vLLM with --max-logprobs ${settings.topLogprobs} or more, or lower JURIST_TOP_LOGPROBS`,
      );
    }
    const { top, usage } = firstChoice(answer.json);
    facts.promptTokenDetails = usage.details;
    facts.logprobs = true;
    if (top.length === 0) {
      return fail(
        "the completion carries no top_logprobs",
        "use a vLLM release that returns chat logprobs",
      );
    }
    return ok(`logprobs with ${top.length} alternatives per token`);
  },
};

/**
 * The constrained A/B answer: inside the choice, with both letters' logprobs readable. A
 * release that ignores the field answers 200 unconstrained (vLLM ignores unknown fields).
 */
export const constrainedChoiceCheck: DoctorCheck = {
  name: "constrained choice",
  needs: ["model", "field", "logprobs"],
  async run({ http, settings, facts }) {
    const answer = await http.post(
      "/v1/chat/completions",
      fastVerdictBody(facts.model!, facts.field!, settings.topLogprobs),
    );
    if (answer.status !== 200) {
      return fail(`answered ${answer.status}: ${errorMessage(answer)}`, "read the replica's log");
    }
    const { content, top, usage } = firstChoice(answer.json);
    // The same prompt a second time: vLLM reports cached tokens only once some were cached.
    facts.promptTokenDetails ||= usage.details;
    if (content !== "A" && content !== "B") {
      return fail(
        `answered ${JSON.stringify(content?.slice(0, 40))} outside {A, B}: the replica ignored ${facts.field}`,
        `set JURIST_STRUCTURED_OUTPUT_FIELD=auto, or to the field vLLM ${facts.version ?? "(unknown version)"} honours`,
      );
    }
    const letter = (slot: "A" | "B") =>
      top.find(
        (alt) => alt.token.trim() === slot && alt.logprob > MASKED && Number.isFinite(alt.logprob),
      );
    const missing = (["A", "B"] as const).filter((slot) => !letter(slot));
    if (missing.length > 0) {
      return fail(
        `answered ${content}, but ${missing.join(" and ")} is not among the top alternatives with a real logprob`,
        "raise JURIST_TOP_LOGPROBS (and vLLM's --max-logprobs): the verdict probability needs both letters",
      );
    }
    return ok(`answered ${content} via ${facts.field}; P(A) and P(B) both readable`);
  },
};

interface Tokenized {
  ids: number[];
  strings: string[] | null;
}

async function tokenize(
  http: Parameters<DoctorCheck["run"]>[0]["http"],
  model: string,
  prompt: string,
) {
  const answer = await http.post("/tokenize", {
    model,
    prompt,
    add_special_tokens: false,
    return_token_strs: true,
  });
  if (answer.status !== 200) return { answer, tokens: null };
  const json = answer.json as { tokens?: unknown; token_strs?: unknown } | undefined;
  const ids = Array.isArray(json?.tokens) ? json.tokens.map(Number) : [];
  const strings = Array.isArray(json?.token_strs) ? json.token_strs.map(String) : null;
  return { answer, tokens: { ids, strings } satisfies Tokenized };
}

/**
 * In a reasoned verdict the gateway reads the probability of the letter after `[[`: that is
 * one token only when the tokenizer splits `[[A]]` with A alone. Checked with vLLM's
 * `/tokenize` (`return_token_strs` where the release has it, token ids otherwise).
 */
export const verdictTokensCheck: DoctorCheck = {
  name: "verdict tokens",
  needs: ["model"],
  async run({ http, facts }) {
    const model = facts.model!;
    const merged: string[] = [];
    for (const letter of ["A", "B"] as const) {
      const marker = await tokenize(http, model, `[[${letter}]]`);
      if (!marker.tokens) {
        return warn(
          `cannot tokenize (/tokenize answered ${marker.answer.status})`,
          "nothing to change; reasoned verdicts may lack a probability if the letter shares a token",
        );
      }
      if (!(await letterAlone(http, model, letter, marker.tokens))) merged.push(letter);
    }
    if (merged.length > 0) {
      return fail(
        `${merged.join(" and ")} shares a token with the brackets in [[${merged[0]}]]`,
        "use fast mode for probabilities with this tokenizer, or a judge whose tokenizer keeps the letter alone",
      );
    }
    return ok("A and B are each one token after [[");
  },
};

async function letterAlone(
  http: Parameters<DoctorCheck["run"]>[0]["http"],
  model: string,
  letter: "A" | "B",
  marker: Tokenized,
): Promise<boolean> {
  if (marker.strings) return marker.strings.some((text) => text === letter);
  // Older releases return ids only: the letter alone must be one id, found inside the marker.
  const alone = await tokenize(http, model, letter);
  const id = alone.tokens?.ids.length === 1 ? alone.tokens.ids[0] : undefined;
  return id !== undefined && marker.ids.includes(id);
}
