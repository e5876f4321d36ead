/**
 * The built-in policy templates against the markup the models themselves write: each golden
 * text below is what the model's chat template (tokenizer_config.json / chat_template.json)
 * renders and its processor expands, the text OpenRLHF decodes and sends to `/get_reward`
 * (test/src/reward/policy-text.test.ts reads such texts back). A template that drifts from
 * its model's markup splits no query, so the fields are pinned here, character for character.
 */
import t from "tap";
import {
  BUILT_IN_TEMPLATES,
  builtInTemplate,
  type ImageMarker,
  POLICY_TEMPLATE_CHOICES,
  type PolicyTemplate,
} from "../../../src/core/policy-templates.ts";

function template(name: string): PolicyTemplate {
  const found = builtInTemplate(name);
  if (!found) throw new Error(`no built-in template ${name}`);
  return found;
}

/** One turn as the template writes it: `turnStart + role + headerEnd + content + turnEnd`. */
function turn(tpl: PolicyTemplate, role: string, content: string): string {
  return `${tpl.turnStart}${role}${tpl.headerEnd}${content}${tpl.turnEnd}`;
}

/** The generation prompt: the assistant turn opened, its content left to the policy. */
function generationPrompt(tpl: PolicyTemplate): string {
  return `${tpl.turnStart}${tpl.assistantRole}${tpl.headerEnd}`;
}

/** A placeholder as the processor expands it for `patches` patches. */
function expand(marker: ImageMarker, patches: number): string {
  const e = marker.expanded;
  return e ? `${e.before}${e.repeated.repeat(patches)}${e.after}` : marker.placeholder;
}

t.test("qwen writes Qwen2.5-VL's ChatML prompt and its processor's image runs", async (t) => {
  const qwen = template("qwen");
  t.equal(qwen.name, "qwen");
  const image = qwen.images[0] as ImageMarker;
  const prompt =
    `${turn(qwen, "system", "You are a helpful assistant.")}\n` +
    `${turn(qwen, "user", `${image.placeholder}How many cats?`)}\n${generationPrompt(qwen)}`;
  t.equal(
    prompt,
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>How many cats?<|im_end|>\n" +
      "<|im_start|>assistant\n",
  );
  t.same(
    qwen.images.map((marker) => [marker.placeholder, expand(marker, 3)]),
    [
      [
        "<|vision_start|><|image_pad|><|vision_end|>",
        "<|vision_start|><|image_pad|><|image_pad|><|image_pad|><|vision_end|>",
      ],
      [
        "<|vision_start|><|video_pad|><|vision_end|>",
        "<|vision_start|><|video_pad|><|video_pad|><|video_pad|><|vision_end|>",
      ],
    ],
    "images and videos: the pad token once per merged patch",
  );
  t.same(qwen.stopTokens, ["<|im_end|>", "<|endoftext|>"], "EOS, then the pad token");
  t.same(qwen.dropTokens, ["<|endoftext|>"]);
  t.same(qwen.reasoning, { start: "<think>", end: "</think>" }, "Qwen3's thinking block");
});

t.test("llama writes Llama 3.2 Vision's headers and its one-token image", async (t) => {
  const llama = template("llama");
  t.equal(llama.name, "llama");
  const image = llama.images[0] as ImageMarker;
  const prompt =
    `<|begin_of_text|>${turn(llama, "system", "Cutting Knowledge Date: December 2023\n\n")}` +
    `${turn(llama, "user", `${image.placeholder}What is 6 times 7?`)}${generationPrompt(llama)}`;
  t.equal(
    prompt,
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
      "Cutting Knowledge Date: December 2023\n\n<|eot_id|>" +
      "<|start_header_id|>user<|end_header_id|>\n\n<|image|>What is 6 times 7?<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\n",
  );
  t.same(llama.images, [{ placeholder: "<|image|>" }], "not expanded by the processor");
  t.equal(expand(image, 4), "<|image|>");
  t.same(llama.stopTokens, [
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end_of_text|>",
    "<|finetune_right_pad_id|>",
  ]);
  t.same(llama.dropTokens, ["<|begin_of_text|>"]);
  t.equal(llama.reasoning, undefined, "no thinking block");
});

t.test("gemma writes Gemma 3's model turn and its processor's image block", async (t) => {
  const gemma = template("gemma");
  t.equal(gemma.name, "gemma");
  const image = gemma.images[0] as ImageMarker;
  const prompt = `<bos>${turn(gemma, "user", `Look.${image.placeholder}Which car?`)}\n${generationPrompt(gemma)}`;
  t.equal(
    prompt,
    "<bos><start_of_turn>user\nLook.<start_of_image>Which car?<end_of_turn>\n<start_of_turn>model\n",
  );
  t.equal(gemma.images.length, 1);
  t.equal(
    expand(image, 256),
    `\n\n<start_of_image>${"<image_soft_token>".repeat(256)}<end_of_image>\n\n`,
  );
  t.same(gemma.stopTokens, ["<end_of_turn>", "<eos>", "<pad>"]);
  t.same(gemma.dropTokens, ["<bos>"]);
  t.equal(gemma.reasoning, undefined, "no thinking block");
});

t.test("builtInTemplate finds the built-ins by name and nothing else", async (t) => {
  t.same(
    BUILT_IN_TEMPLATES.map((tpl) => tpl.name),
    ["qwen", "llama", "gemma"],
  );
  for (const tpl of BUILT_IN_TEMPLATES) t.equal(builtInTemplate(tpl.name), tpl);
  t.equal(builtInTemplate("auto"), undefined, "a choice, not a template");
  t.equal(builtInTemplate("custom"), undefined);
  t.equal(builtInTemplate("Qwen"), undefined, "names are exact");
  t.equal(builtInTemplate(""), undefined);
});

t.test("JURIST_REWARD_POLICY_TEMPLATE takes auto, the built-ins, custom and none", async (t) => {
  t.same(POLICY_TEMPLATE_CHOICES, ["auto", "qwen", "llama", "gemma", "custom", "none"]);
});
