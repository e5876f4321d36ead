/**
 * The judge's view of OpenRLHF samples, per policy template. The texts follow what OpenRLHF
 * (v0.9.0 experience_maker.py, v0.11.0 utils/agent.py) sends: `prompts` is the chat template
 * applied with add_generation_prompt=True, `query` the tokenizer's decode of prompt + response
 * ids with skip_special_tokens=False, where a VLM processor has expanded each image:
 * - Qwen2-VL / Qwen2.5-VL (chat_template.json; processing_qwen2_vl.py): ChatML turns, a
 *   default system turn, `<|vision_start|><|image_pad|><|vision_end|>` per image with
 *   `<|image_pad|>` repeated once per merged patch, EOS `<|im_end|>` then `<|endoftext|>` pad;
 * - Llama 3.1 / 3.2 (tokenizer_config.json): `<|begin_of_text|>`, a system turn with the
 *   "Cutting Knowledge Date" lines, `<|start_header_id|>role<|end_header_id|>\n\n`, EOS
 *   `<|eot_id|>`; 3.2 Vision writes `<|image|>` once per image and does not expand it;
 * - Gemma 3 (tokenizer_config.json; processing_gemma3.py): `<bos><start_of_turn>user\n`, the
 *   system text folded into the first user turn, `<start_of_turn>model\n`, EOS `<end_of_turn>`;
 *   the processor replaces `<start_of_image>` with
 *   `\n\n<start_of_image>` + 256 × `<image_soft_token>` + `<end_of_image>\n\n`.
 */
import t from "tap";
import { builtInTemplate, type PolicyTemplate } from "../../../src/core/policy-templates.ts";
import {
  cleanResponse,
  questionText,
  recoverResponse,
  templateResolver,
} from "../../../src/reward/policy-text.ts";

const qwen = builtInTemplate("qwen")!;
const llama = builtInTemplate("llama")!;
const gemma = builtInTemplate("gemma")!;

/** The judge's (question, response) of one sample, or null when it cannot be split. */
function view(query: string, prompt: string, template: PolicyTemplate | null) {
  const response = recoverResponse(query, prompt, template);
  if (response === null) return null;
  return { question: questionText(prompt, template), response: cleanResponse(response, template) };
}

const qwenVlPrompt =
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
  "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>How many cats are on the sofa?<|im_end|>\n" +
  "<|im_start|>assistant\n";

t.test("Qwen2.5-VL: expanded image_pad runs collapse; system turn and EOS stripped", async (t) => {
  const expanded = qwenVlPrompt.replace("<|image_pad|>", "<|image_pad|>".repeat(324));
  const query = `${expanded}Two cats.<|im_end|><|endoftext|>`;
  t.notOk(query.startsWith(qwenVlPrompt), "the query as sent does not start with its prompt");
  t.same(view(query, qwenVlPrompt, qwen), {
    question: "How many cats are on the sofa?",
    response: "Two cats.",
  });
  t.equal(view(query, qwenVlPrompt, null), null, "verbatim (none): no split, as before");

  const twoImages = qwenVlPrompt.replace(
    "<|vision_end|>",
    "<|vision_end|><|vision_start|><|image_pad|><|vision_end|>",
  );
  const twoExpanded = twoImages
    .split("<|image_pad|>")
    .map((part, i) => (i === 0 ? part : "<|image_pad|>".repeat(i * 16) + part))
    .join("");
  t.same(view(`${twoExpanded}Two.<|im_end|>`, twoImages, qwen)?.response, "Two.", "two images");
  t.same(view(`${expanded}<|im_end|>`, qwenVlPrompt, qwen)?.response, "", "empty generation");
});

t.test("Llama 3: BOS, system turn and headers stripped; eot_id stripped", async (t) => {
  const prompt =
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
    "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>" +
    "<|start_header_id|>user<|end_header_id|>\n\n<|image|>What is 6 times 7?<|eot_id|>" +
    "<|start_header_id|>assistant<|end_header_id|>\n\n";
  t.same(view(`${prompt}42.<|eot_id|>`, prompt, llama), {
    question: "What is 6 times 7?",
    response: "42.",
  });
  // decode() of the processor's ids starts with a second BOS when the prompt already held one.
  t.same(view(`<|begin_of_text|>${prompt}42.<|eot_id|>`, prompt, llama)?.response, "42.");
});

t.test("Gemma 3: the processor's image block collapses; model turn and EOS", async (t) => {
  const prompt =
    "<bos><start_of_turn>user\nAnswer briefly.\n\n<start_of_image>What is in the picture?<end_of_turn>\n" +
    "<start_of_turn>model\n";
  const block = `\n\n<start_of_image>${"<image_soft_token>".repeat(256)}<end_of_image>\n\n`;
  const query = `${prompt.replace("<start_of_image>", block)}A red car.<end_of_turn><eos>`;
  t.same(view(query, prompt, gemma), {
    question: "Answer briefly.\n\nWhat is in the picture?",
    response: "A red car.",
  });
});

t.test("a multi-turn prompt becomes a transcript; a mismatched prompt fails", async (t) => {
  const prompt =
    "<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\nBlue.<|im_end|>\n" +
    "<|im_start|>user\nAnother?<|im_end|>\n<|im_start|>assistant\n";
  t.equal(questionText(prompt, qwen), "user: Name a colour.\n\nassistant: Blue.\n\nuser: Another?");
  const other = prompt.replace("Another?", "And another?");
  t.equal(recoverResponse(`${prompt}Red.<|im_end|>`, other, qwen), null, "another question");
});

t.test("the last assistant header splits a query whose prompt changed whitespace", async (t) => {
  // A tokenizer round trip may normalise spaces in the prompt; the question still matches.
  const prompt = "<|im_start|>user\nHow  many cats?<|im_end|>\n<|im_start|>assistant\n";
  const query = "<|im_start|>user\nHow many cats?<|im_end|>\n<|im_start|>assistant\nTwo.<|im_end|>";
  t.same(view(query, prompt, qwen)?.response, "Two.");
});

t.test("auto detects the template per query; none and named choices", async (t) => {
  const auto = templateResolver("auto", undefined);
  t.equal(auto("<|im_start|>user\nQ<|im_end|>")?.name, "qwen");
  t.equal(auto("<|start_header_id|>user<|end_header_id|>\n\nQ")?.name, "llama");
  t.equal(auto("<start_of_turn>user\nQ")?.name, "gemma");
  t.equal(auto("Q? A."), null, "plain text: verbatim");
  t.equal(templateResolver("none", undefined)("<|im_start|>user\nQ"), null);
  t.equal(templateResolver("gemma", undefined)("<|im_start|>user\nQ")?.name, "gemma");

  const custom: PolicyTemplate = {
    name: "custom",
    turnStart: "[[",
    headerEnd: "]]",
    turnEnd: "[[/]]",
    assistantRole: "bot",
    stopTokens: ["</s>"],
    dropTokens: ["<s>"],
    images: [
      { placeholder: "<img/>", expanded: { before: "<img>", repeated: "#", after: "</img>" } },
    ],
  };
  const resolve = templateResolver("auto", custom);
  const prompt = "<s>[[user]]<img/>Which?[[/]][[bot]]";
  const query = "<s>[[user]]<img>####</img>Which?[[/]][[bot]]That one.</s>";
  t.equal(resolve(query)?.name, "custom", "declared markers come first");
  t.same(view(query, prompt, resolve(query)), { question: "Which?", response: "That one." });
});

t.test("Qwen3: the prefilled open assistant turn is not part of the question", async (t) => {
  // Qwen3's chat template (tokenizer_config.json, enable_thinking=False) ends the generation
  // prompt with an empty think block; with thinking on, the prompt may end in `<think>\n`.
  const nonThinking =
    "<|im_start|>user\nHow many cats?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
  t.same(view(`${nonThinking}Two.<|im_end|>`, nonThinking, qwen), {
    question: "How many cats?",
    response: "Two.",
  });
  const thinking = "<|im_start|>user\nHow many cats?<|im_end|>\n<|im_start|>assistant\n<think>\n";
  t.same(view(`${thinking}Count: one, two.\n</think>\n\nTwo.<|im_end|>`, thinking, qwen), {
    question: "How many cats?",
    response: "Two.",
  });
});

t.test("a thinking response is judged on its answer; a block never closed has none", async (t) => {
  t.equal(cleanResponse("<think>\nOne, two.\n</think>\n\nTwo cats.<|im_end|>", qwen), "Two cats.");
  t.equal(cleanResponse("<think>\nOne, two, th", qwen), "", "cut off while thinking: empty");
  t.equal(
    cleanResponse("Two cats, no <think> here.<|im_end|>", qwen),
    "Two cats, no <think> here.",
  );
  t.equal(cleanResponse("<think>x</think>y", llama), "<think>x</think>y", "llama has no block");
});

t.test("a response is cut at its first stop token: what follows was never meant", async (t) => {
  t.equal(
    cleanResponse("Two.<|im_end|>\n<|im_start|>user\nAnd dogs?<|im_end|>", qwen),
    "Two.",
    "a base policy that went on past its EOS",
  );
  t.equal(cleanResponse("Two.<|eot_id|><|start_header_id|>user", llama), "Two.");
});

t.test(
  "the fallback split counts the prompt's headers: a header inside the response stays",
  async (t) => {
    const prompt = "<|im_start|>user\nHow  many cats?<|im_end|>\n<|im_start|>assistant\n";
    const response = "Two.\n<|im_start|>assistant\nThree.";
    const query = `<|im_start|>user\nHow many cats?<|im_end|>\n<|im_start|>assistant\n${response}`;
    t.equal(recoverResponse(query, prompt, qwen), response);
  },
);

t.test("auto: a stop token detects a template only where it ends the query", async (t) => {
  const auto = templateResolver("auto", undefined);
  t.equal(
    auto("What does <eos> mean in a tokenizer? It ends a text."),
    null,
    "mentioned: verbatim",
  );
  t.equal(auto("What is 2+2? 4<eos>")?.name, "gemma", "ending the query");
  t.equal(auto("How many cats? Two cats.<|im_end|>\n")?.name, "qwen");
});
