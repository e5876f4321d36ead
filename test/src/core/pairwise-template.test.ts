import t from "tap";
import {
  PAIRWISE_MARKERS,
  PAIRWISE_TEMPLATE_VERSION,
  renderPairwisePrompt,
} from "../../../src/core/pairwise-template.ts";
import type { ContentPart, ResolvedImage } from "../../../src/core/types.ts";

const image = (n: number): ResolvedImage => ({
  sha256: String(n).repeat(64).slice(0, 64),
  mime: "image/png",
  dataUri: `data:image/png;base64,AAA${n}`,
  byteLength: 3,
});

const input = {
  question: "How many cats are on the sofa?",
  images: [image(1), image(2)],
  slotA: "Two cats.",
  slotB: "Three cats.",
  mode: "reasoned" as const,
};

function userParts(messages: ReturnType<typeof renderPairwisePrompt>): ContentPart[] {
  const content = messages[1]?.content;
  if (typeof content === "string" || !content) throw new Error("user content must be parts");
  return content;
}

t.test("renders a system turn and a user turn with images first", async (t) => {
  const messages = renderPairwisePrompt(input);
  t.same(
    messages.map((m) => m.role),
    ["system", "user"],
  );
  t.type(messages[0]?.content, "string");
  const parts = userParts(messages);
  t.same(parts.slice(0, 2), [
    { type: "image_url", image_url: { url: "data:image/png;base64,AAA1" } },
    { type: "image_url", image_url: { url: "data:image/png;base64,AAA2" } },
  ]);
  t.equal(parts.length, 3);
  t.equal(parts[2]?.type, "text");
});

t.test("the user text holds the question and both slots between markers", async (t) => {
  const part = userParts(renderPairwisePrompt(input))[0 + 2];
  const text = part?.type === "text" ? part.text : "";
  const m = PAIRWISE_MARKERS;
  t.match(text, `${m.question}\n${input.question}`);
  t.match(text, `${m.startA}\nTwo cats.\n${m.endA}`);
  t.match(text, `${m.startB}\nThree cats.\n${m.endB}`);
  t.ok(text.indexOf(m.endA) < text.indexOf(m.startB), "slot A comes before slot B");
  t.notMatch(text, m.rubric, "no rubric section without a rubric");
});

t.test("a rubric gets its own section before the answers", async (t) => {
  const part = userParts(renderPairwisePrompt({ ...input, rubric: "Penalise guesses." }))[2];
  const text = part?.type === "text" ? part.text : "";
  t.match(text, `${PAIRWISE_MARKERS.rubric}\nPenalise guesses.`);
  t.ok(text.indexOf(PAIRWISE_MARKERS.rubric) < text.indexOf(PAIRWISE_MARKERS.startA));
});

t.test("reasoned and fast modes ask for different verdict formats", async (t) => {
  const reasoned = renderPairwisePrompt(input)[0]?.content as string;
  const fast = renderPairwisePrompt({ ...input, mode: "fast" })[0]?.content as string;
  t.match(reasoned, '"[[A]]"');
  t.match(reasoned, '"[[B]]"');
  t.match(reasoned, /explanation/);
  t.notMatch(fast, "[[");
  t.match(fast, /Output only your final verdict/);
  t.match(reasoned, /position bias/);
  t.match(fast, /position bias/);
});

t.test("no images renders text only", async (t) => {
  const parts = userParts(renderPairwisePrompt({ ...input, images: [] }));
  t.same(
    parts.map((p) => p.type),
    ["text"],
  );
});

t.test("the template version is pinned", async (t) => {
  t.equal(PAIRWISE_TEMPLATE_VERSION, "pairwise-v1");
});

t.test("pairwise-v1, word for word: the prompt is the contract with the judge", async (t) => {
  // Any change of wording must bump PAIRWISE_TEMPLATE_VERSION; this golden text says when.
  const instructions =
    "Please act as an impartial judge and evaluate the quality of the responses provided by two " +
    "AI assistants to the user question displayed below, about the image(s) shown. Choose the " +
    "assistant that follows the user's instructions and answers the user's question better. " +
    "Consider correctness with respect to the image first (objects, counts, attributes, spatial " +
    "relations, text in the image), then helpfulness, relevance and level of detail. " +
    "Avoid any position bias: the order in which the responses were presented must not " +
    "influence your decision. Do not let the length of the responses influence your evaluation. " +
    "Do not favour certain names of the assistants. Be as objective as possible.";
  const messages = renderPairwisePrompt({ ...input, rubric: "Penalise guesses." });
  t.equal(
    messages[0]?.content,
    `${instructions} Begin your evaluation by comparing the two responses and give a short ` +
      "explanation. After your explanation, output your final verdict by strictly following " +
      'this format: "[[A]]" if assistant A is better, "[[B]]" if assistant B is better.',
  );
  t.equal(
    renderPairwisePrompt({ ...input, mode: "fast" })[0]?.content,
    `${instructions} Output only your final verdict and nothing else: A if assistant A is ` +
      "better, B if assistant B is better.",
  );
  t.same(userParts(messages)[2], {
    type: "text",
    text:
      "[User Question]\nHow many cats are on the sofa?\n\n" +
      "[Additional Criteria]\nPenalise guesses.\n\n" +
      "[The Start of Assistant A's Answer]\nTwo cats.\n[The End of Assistant A's Answer]\n\n" +
      "[The Start of Assistant B's Answer]\nThree cats.\n[The End of Assistant B's Answer]",
  });
});
