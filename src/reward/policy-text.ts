import {
  BUILT_IN_TEMPLATES,
  builtInTemplate,
  type PolicyTemplate,
  type PolicyTemplateChoice,
} from "../core/policy-templates.ts";

/**
 * The judge's view of an OpenRLHF sample: the user's question without the policy's chat
 * markup, and the response without the EOS it stopped on. Pure text functions; `null` as the
 * template means "none": texts are taken verbatim.
 */

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Each template's expanded-image patterns, compiled once (every item's query and prompt use them). */
const expandedRuns = new WeakMap<PolicyTemplate, { run: RegExp; placeholder: string }[]>();

function expandedRunsOf(template: PolicyTemplate) {
  let runs = expandedRuns.get(template);
  if (!runs) {
    runs = template.images.flatMap(({ expanded, placeholder }) => {
      if (!expanded) return [];
      const { before, repeated, after } = expanded;
      const pattern = `${literal(before)}(?:${literal(repeated)})+${literal(after)}`;
      return [{ run: new RegExp(pattern, "g"), placeholder }];
    });
    expandedRuns.set(template, runs);
  }
  return runs;
}

/** Each processor-expanded image back to the placeholder the chat template wrote. */
function collapseImages(text: string, template: PolicyTemplate): string {
  let collapsed = text;
  for (const { run, placeholder } of expandedRunsOf(template)) {
    collapsed = collapsed.replace(run, placeholder);
  }
  return collapsed;
}

/** Images collapsed and BOS-like tokens dropped: prompt and query compare in this form. */
function normalized(text: string, template: PolicyTemplate): string {
  let result = collapseImages(text, template);
  for (const token of template.dropTokens) result = result.split(token).join("");
  return result;
}

function assistantHeader(template: PolicyTemplate): string {
  return template.turnStart + template.assistantRole + template.headerEnd;
}

/**
 * The response in `query`, or null when the query is not its prompt followed by a response.
 * First the query as sent; then both with images collapsed and BOS dropped (a vision query
 * holds each image once per patch, its prompt once); last, the text after the query's last
 * assistant header, when the question before it is the prompt's question (a tokenizer round
 * trip that changed whitespace in the prompt).
 */
export function recoverResponse(
  query: string,
  prompt: string,
  template: PolicyTemplate | null,
): string | null {
  if (query.startsWith(prompt)) return query.slice(prompt.length);
  if (template === null) return null;
  const q = normalized(query, template);
  const p = normalized(prompt, template);
  if (q.startsWith(p)) return q.slice(p.length);
  // The query's assistant header that opens the response is the one after as many headers as
  // the prompt holds (a response that itself writes a header must not move the split).
  const header = assistantHeader(template);
  const at = nthIndexOf(q, header, occurrences(p, header));
  if (at < 0) return null;
  const asked = questionText(q.slice(0, at + header.length), template);
  const same = (a: string, b: string) => a.replace(/\s+/g, " ") === b.replace(/\s+/g, " ");
  return asked !== "" && same(asked, questionText(p, template))
    ? q.slice(at + header.length)
    : null;
}

function occurrences(text: string, token: string): number {
  let count = 0;
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) count++;
  return count;
}

/** Where the `n`th (1-based) occurrence of `token` starts, or -1. */
function nthIndexOf(text: string, token: string, n: number): number {
  let at = -1;
  for (let k = 0; k < n; k++) {
    at = text.indexOf(token, at + (k === 0 ? 1 : token.length));
    if (at < 0) return -1;
  }
  return at;
}

/**
 * The response as the judge should read it: cut at its first stop token (a generation ends
 * there; a base policy that wrote `<|im_end|>` and went on to invent a user turn did not mean
 * the rest), and for a thinking policy only the answer after its reasoning block (a block
 * never closed leaves no answer: empty, the minimum score).
 */
export function cleanResponse(response: string, template: PolicyTemplate | null): string {
  if (template === null) return response;
  let text = response;
  for (const stop of template.stopTokens) {
    const at = text.indexOf(stop);
    if (at >= 0) text = text.slice(0, at);
  }
  const reasoning = template.reasoning;
  if (reasoning) {
    const end = text.lastIndexOf(reasoning.end);
    if (end >= 0) text = text.slice(end + reasoning.end.length);
    else if (text.trimStart().startsWith(reasoning.start)) text = "";
  }
  return text.trim();
}

interface Turn {
  role: string;
  content: string;
}

/**
 * The prompt's turns, system turns and the open generation turn left out: the last turn, when
 * it has no end, is the policy's own turn being opened, whatever the template prefilled in it
 * (Qwen3's non-thinking prompt writes an empty `<think>\n\n</think>` there).
 */
function turnsOf(prompt: string, template: PolicyTemplate): Turn[] {
  const parts = prompt.split(template.turnStart);
  const turns: Turn[] = [];
  const preamble = parts[0]!.trim();
  if (preamble !== "") turns.push({ role: "user", content: preamble });
  for (const [index, part] of parts.entries()) {
    if (index === 0) continue;
    const headerAt = part.indexOf(template.headerEnd);
    if (headerAt < 0) continue;
    const role = part.slice(0, headerAt).trim();
    const body = part.slice(headerAt + template.headerEnd.length);
    const endAt = body.indexOf(template.turnEnd);
    const open = endAt < 0 && index === parts.length - 1;
    const content = (endAt < 0 ? body : body.slice(0, endAt)).trim();
    if (role === "system" || content === "" || open) continue;
    turns.push({ role: role === template.assistantRole ? "assistant" : role, content });
  }
  return turns;
}

function withoutImages(text: string, template: PolicyTemplate): string {
  let result = text;
  for (const marker of template.images) result = result.split(marker.placeholder).join("");
  return result.trim();
}

/**
 * The user's question: a single user turn's text, or for a multi-turn prompt a plain
 * transcript (`user: …`, `assistant: …`); no system turn, role headers, BOS or image
 * placeholders (the judge gets images as images, not as tokens).
 */
export function questionText(prompt: string, template: PolicyTemplate | null): string {
  if (template === null) return prompt;
  const turns = turnsOf(normalized(prompt, template), template)
    .map((turn) => ({ ...turn, content: withoutImages(turn.content, template) }))
    .filter((turn) => turn.content !== "");
  if (turns.length === 1 && turns[0]!.role === "user") return turns[0]!.content;
  return turns.map((turn) => `${turn.role}: ${turn.content}`).join("\n\n");
}

/**
 * The template an item follows: the one named, or (auto) the first of `candidates` whose
 * turn marker appears in the query or whose stop token ends it (a prompt sent without a chat
 * template still ends on the policy's EOS); null (verbatim) when none does. A stop token
 * merely mentioned inside plain text (`<eos>` in a question about tokenizers) is not a sign.
 */
export function detectTemplate(
  query: string,
  candidates: readonly PolicyTemplate[],
): PolicyTemplate | null {
  const end = query.trimEnd();
  return (
    candidates.find(
      (template) =>
        query.includes(template.turnStart) ||
        template.stopTokens.some((token) => end.endsWith(token)),
    ) ?? null
  );
}

/**
 * JURIST_REWARD_POLICY_TEMPLATE as a function of the query: `none` → verbatim; a built-in
 * name or `custom` → that template for every item; `auto` → detected per item, the declared
 * custom markers (if any) tried before the built-ins.
 */
export function templateResolver(
  choice: PolicyTemplateChoice,
  custom: PolicyTemplate | undefined,
): (query: string) => PolicyTemplate | null {
  if (choice === "none") return () => null;
  if (choice === "auto") {
    const candidates = custom ? [custom, ...BUILT_IN_TEMPLATES] : BUILT_IN_TEMPLATES;
    return (query) => detectTemplate(query, candidates);
  }
  const fixed = choice === "custom" ? custom : builtInTemplate(choice);
  if (!fixed) throw new Error(`policy template ${choice} has no markers`);
  return () => fixed;
}
