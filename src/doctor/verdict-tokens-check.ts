import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";

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
