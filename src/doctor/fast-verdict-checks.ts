import { MASKED_LOGPROB } from "../core/verdict-probability.ts";
import { type DoctorCheck, fail, ok } from "./doctor-check.ts";
import { fastVerdictBody, firstChoice } from "./probe-requests.ts";
import { errorMessage } from "./replica-http.ts";

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
    const choice = firstChoice(answer.json);
    facts.promptTokenDetails = (choice?.prompt?.cached ?? null) !== null;
    facts.logprobs = true;
    if (!choice || choice.top.length === 0) {
      return fail(
        "the completion carries no top_logprobs",
        "use a vLLM release that returns chat logprobs",
      );
    }
    return ok(`logprobs with ${choice.top.length} alternatives per token`);
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
    const choice = firstChoice(answer.json);
    const content = choice?.text ?? null;
    const top = choice?.top ?? [];
    // The same prompt a second time: vLLM reports cached tokens only once some were cached.
    facts.promptTokenDetails ||= (choice?.prompt?.cached ?? null) !== null;
    if (content !== "A" && content !== "B") {
      return fail(
        `answered ${JSON.stringify(content?.slice(0, 40))} outside {A, B}: the replica ignored ${facts.field}`,
        `set JURIST_STRUCTURED_OUTPUT_FIELD=auto, or to the field vLLM ${facts.version ?? "(unknown version)"} honours`,
      );
    }
    const letter = (slot: "A" | "B") =>
      top.find(
        (alt) =>
          alt.token.trim() === slot && alt.logprob > MASKED_LOGPROB && Number.isFinite(alt.logprob),
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
