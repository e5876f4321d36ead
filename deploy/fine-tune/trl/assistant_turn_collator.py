"""The data collator train_judge.py trains with: labels on the assistant turn only."""

from __future__ import annotations


class AssistantTurnCollator:
    """Batches examples with labels on the assistant turn only.

    TRL's own paths do not fit: SFTTrainer refuses `assistant_only_loss` for any vision-language
    model (`self._is_vlm`, set when the processing class is a processor; trl/trainer/
    sft_trainer.py at huggingface/trl f2cd577, 1.10.0.dev0, and so since v0.22.0), whatever the
    dataset holds, and the vision collator's prompt-completion path processes prompt and
    completion apart and concatenates them, realigning only some per-token tensors (not, for one, the
    cross_attention_mask Llama 3.2 Vision's processor returns). So the whole conversation is
    processed in one call, as for plain language modelling, and the labels of the prompt are
    masked: its length comes from processing the prompt (with its images, whose tokens the
    processor expands) on its own. That costs a second image preprocessing per example, which is
    small next to the forward pass.
    """

    def __init__(self, processor):
        self.processor = processor
        tokenizer = getattr(processor, "tokenizer", processor)
        tokenizer.padding_side = "right"  # the prompt is then the first tokens of every row
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token

    @staticmethod
    def _clean(messages):
        # Arrow gives every part both keys (image parts get "text": None); templates test keys.
        return [
            {
                "role": m["role"],
                "content": [{k: v for k, v in p.items() if v is not None} for p in m["content"]],
            }
            for m in messages
        ]

    def _render(self, messages, add_generation_prompt=False):
        return self.processor.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def _prompt_length(self, prompt, images):
        encoded = self.processor(
            text=[prompt],
            images=[images] if images else None,
            add_special_tokens=False,
            return_tensors="pt",
        )
        return encoded["input_ids"].shape[1]

    def __call__(self, examples):
        conversations = [self._clean(e["messages"]) for e in examples]
        images = [list(e["images"]) for e in examples]
        texts = [self._render(c) for c in conversations]
        prompts = [self._render(c[:-1], add_generation_prompt=True) for c in conversations]
        batch = self.processor(
            text=texts,
            images=images if any(images) else None,
            padding=True,
            add_special_tokens=False,  # the chat template already wrote the special tokens
            return_tensors="pt",
        )
        labels = batch["input_ids"].clone()
        labels[batch["attention_mask"] == 0] = -100
        for row, (prompt, text, row_images) in enumerate(zip(prompts, texts, images)):
            if not text.startswith(prompt):
                raise ValueError(
                    "the chat template renders the prompt differently inside the conversation"
                )
            labels[row, : self._prompt_length(prompt, row_images)] = -100
        batch["labels"] = labels
        return batch
