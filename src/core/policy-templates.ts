/**
 * The chat markup of the policy being trained, as it appears in the text OpenRLHF sends to
 * `/get_reward`: it decodes each sample's token ids with `skip_special_tokens=False`, so the
 * query carries the template's turn markers, the EOS the policy stopped on, and (for vision
 * policies) the image placeholder as the processor expanded it, once per patch.
 *
 * Each turn is `turnStart + role + headerEnd + content + turnEnd`; the built-ins follow the
 * models' own chat templates (tokenizer_config.json / chat_template.json) and processors.
 */
export interface PolicyTemplate {
  name: string;
  /** Opens a turn, before the role name. */
  turnStart: string;
  /** Ends the role name; the turn's content follows. */
  headerEnd: string;
  /** Ends a turn (and is the EOS of an instruct model). */
  turnEnd: string;
  /** The role name the generation prompt opens: `assistant`, or `model` for Gemma. */
  assistantRole: string;
  /** Tokens a response may end with (EOS, end of turn, padding), stripped from its end. */
  stopTokens: readonly string[];
  /** Tokens dropped wherever they appear in a prompt: BOS and the like. */
  dropTokens: readonly string[];
  /**
   * Image (and video) placeholders. The processor expands each into a run (Qwen: one
   * `<|image_pad|>` per patch) or a block (Gemma 3: `\n\n<start_of_image>` + 256
   * `<image_soft_token>` + `<end_of_image>\n\n`); both collapse back to the placeholder.
   */
  images: readonly ImageMarker[];
  /**
   * A reasoning block a thinking policy writes before its answer (Qwen3: `<think>…</think>`).
   * The judge scores the answer after it: a reward for the reasoning text would teach the
   * policy to write what pleases the judge there.
   */
  reasoning?: { start: string; end: string } | undefined;
}

export interface ImageMarker {
  /** What the chat template writes once per image. */
  placeholder: string;
  /**
   * What the processor turns the placeholder into: `before`, then `repeated` once per patch,
   * then `after`. Absent when the placeholder stays one token (Llama 3.2 Vision's `<|image|>`).
   */
  expanded?: { before: string; repeated: string; after: string } | undefined;
}

/**
 * Qwen2, Qwen2.5, Qwen2-VL, Qwen2.5-VL and Qwen3: ChatML; the processor repeats
 * `<|image_pad|>`; Qwen3 thinks in `<think>…</think>` (its non-thinking generation prompt
 * opens the assistant turn with an empty block).
 */
const qwen: PolicyTemplate = {
  name: "qwen",
  turnStart: "<|im_start|>",
  headerEnd: "\n",
  turnEnd: "<|im_end|>",
  assistantRole: "assistant",
  stopTokens: ["<|im_end|>", "<|endoftext|>"],
  dropTokens: ["<|endoftext|>"],
  images: [
    {
      placeholder: "<|vision_start|><|image_pad|><|vision_end|>",
      expanded: { before: "<|vision_start|>", repeated: "<|image_pad|>", after: "<|vision_end|>" },
    },
    {
      placeholder: "<|vision_start|><|video_pad|><|vision_end|>",
      expanded: { before: "<|vision_start|>", repeated: "<|video_pad|>", after: "<|vision_end|>" },
    },
  ],
  reasoning: { start: "<think>", end: "</think>" },
};

/** Llama 3.x (3.2 Vision: one `<|image|>` per image, not expanded). */
const llama: PolicyTemplate = {
  name: "llama",
  turnStart: "<|start_header_id|>",
  headerEnd: "<|end_header_id|>\n\n",
  turnEnd: "<|eot_id|>",
  assistantRole: "assistant",
  stopTokens: ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|finetune_right_pad_id|>"],
  dropTokens: ["<|begin_of_text|>"],
  images: [{ placeholder: "<|image|>" }],
};

/** Gemma 2 and 3; Gemma 3's processor expands `<start_of_image>` into a padded block. */
const gemma: PolicyTemplate = {
  name: "gemma",
  turnStart: "<start_of_turn>",
  headerEnd: "\n",
  turnEnd: "<end_of_turn>",
  assistantRole: "model",
  stopTokens: ["<end_of_turn>", "<eos>", "<pad>"],
  dropTokens: ["<bos>"],
  images: [
    {
      placeholder: "<start_of_image>",
      expanded: {
        before: "\n\n<start_of_image>",
        repeated: "<image_soft_token>",
        after: "<end_of_image>\n\n",
      },
    },
  ],
};

export const BUILT_IN_TEMPLATES: readonly PolicyTemplate[] = [qwen, llama, gemma];

/** The names JURIST_REWARD_POLICY_TEMPLATE takes. */
export const POLICY_TEMPLATE_CHOICES = [
  "auto",
  "qwen",
  "llama",
  "gemma",
  "custom",
  "none",
] as const;
export type PolicyTemplateChoice = (typeof POLICY_TEMPLATE_CHOICES)[number];

export function builtInTemplate(name: string): PolicyTemplate | undefined {
  return BUILT_IN_TEMPLATES.find((template) => template.name === name);
}
