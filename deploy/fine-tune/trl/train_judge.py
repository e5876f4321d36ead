#!/usr/bin/env python3
"""Fine-tunes a Jurist judge on the trainer's dataset with TRL's SFTTrainer (LoRA by default).

The trainer runs it through fine-tune.sh (JURIST_FINE_TUNE_COMMAND), which launches it with
accelerate:

    train_judge.py --dataset FILE --output DIR --base-model MODEL [--init DIR] [--full]
    train_judge.py --check-dataset FILE

The dataset (see dataset_check.py) is checked first: the trainer's dataset.jsonl (image paths,
cast to `Image()` here) or dataset.parquet (JURIST_DATASET_IMAGES=embedded: image bytes whose
`Image` feature the file declares, so `datasets` decodes them with no cast). Its `lineage`
column is dropped and only the assistant turn (reasoning, then the [[A]]/[[B]] verdict) is
trained on.

DIR ends up holding what the checkpoint registry records and vLLM loads: a PEFT LoRA adapter
(adapter_config.json + adapter_model.safetensors, for /v1/load_lora_adapter) or, with --full,
a whole model (config.json + safetensors); the base model's processor; and
jurist-fine-tune.json, written last, describing the run.

torch, transformers, trl, peft and datasets are imported inside the functions that train, so
--check-dataset and --help run with the standard library alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from datetime import datetime, timezone

from dataset_check import check_dataset
from parquet_rows import is_parquet

MANIFEST = "jurist-fine-tune.json"

# Language-model projections only. vLLM loads LoRA adapters for a multimodal model's language
# model; an adapter that also targets the vision tower would be refused or ignored there.
# Learning rates when --learning-rate is not given. Always passed to SFTConfig explicitly: TRL's
# own default is 2e-5 (SFTConfig.learning_rate in trl/trainer/sft_config.py, read in
# huggingface/trl at commit 016013e88acec9257c7476fdcdb12e5479938a5f, a 1.x version after 1.1.0;
# requirements.txt pins trl~=1.13), which suits neither kind of run here.
#
# Full fine-tuning (--full) follows the paper: 1e-5 for 5 epochs.
FULL_LEARNING_RATE = 1e-5
# A LoRA adapter wants about ten times the full fine-tune's rate (TRL's "LoRA Without Regret"
# guide, after Schulman et al. 2025: the best LoRA rate sits about 10x the best full one; 1e-4 to
# 2e-4 is the usual range). B starts at zero and the update is scaled by alpha/rank, so at the
# paper's 1e-5 an adapter barely moves in 5 epochs. 1e-4 is the low end of that range: 5 epochs
# over a few thousand examples at rank 16 is already many steps, and lower is the safer side
# when the data is the judge's own filtered labels.
LORA_LEARNING_RATE = 1e-4
DEFAULT_EPOCHS = 5

DEFAULT_LORA_TARGETS = (
    r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
)


def init_kind(init: str | None) -> str | None:
    """What --init holds: a LoRA adapter, a whole model, or nothing."""
    if not init:
        return None
    if os.path.isfile(os.path.join(init, "adapter_config.json")):
        return "lora"
    if os.path.isfile(os.path.join(init, "config.json")):
        return "full"
    raise SystemExit(
        f"--init {init}: neither a LoRA adapter (adapter_config.json) nor a model (config.json)"
    )


def image_feature_of(feature):
    """The feature of a list column's items (a python-list feature or List/Sequence), or None."""
    if isinstance(feature, (list, tuple)):
        return feature[0] if feature else None
    return getattr(feature, "feature", None)


def load_dataset_for_training(path: str):
    from datasets import Image, Sequence, load_dataset

    parquet = is_parquet(path)
    if parquet:
        # The file's schema metadata declares images a list of Image: datasets decodes each
        # row's image bytes to a PIL image as the collator reads it, with no cast.
        dataset = load_dataset("parquet", data_files=path, split="train")
        if not isinstance(image_feature_of(dataset.features["images"]), Image):
            raise SystemExit(
                f"{path}: datasets did not read `images` as a list of Image "
                f"({dataset.features['images']!r}); the file is not the trainer's parquet"
            )
    else:
        dataset = load_dataset("json", data_files=path, split="train")
    dataset = dataset.remove_columns(
        [c for c in dataset.column_names if c not in ("messages", "images")]
    )
    if parquet:
        return dataset
    # Decoding happens per row as the collator reads it: paths become PIL images then.
    return dataset.cast_column("images", Sequence(Image()))


def load_model(args, kind: str | None):
    import torch
    from transformers import AutoModelForImageTextToText

    source = args.init if kind == "full" else args.base_model
    model = AutoModelForImageTextToText.from_pretrained(source, dtype=torch.bfloat16)
    if not args.full:
        return with_lora(model, args, kind)
    if kind == "lora":  # fold the earlier adapter in, then train every weight
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, args.init).merge_and_unload()
    return model


def with_lora(model, args, kind: str | None):
    from peft import LoraConfig, PeftModel, get_peft_model

    if kind == "lora":  # resume the previous iteration's adapter: its rank and targets win
        return PeftModel.from_pretrained(model, args.init, is_trainable=True)
    config = LoraConfig(
        r=args.lora_rank,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=args.lora_target_modules,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def sft_config(args):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=args.output,
        num_train_epochs=args.epochs,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        bf16=True,
        gradient_checkpointing=True,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        max_length=None,  # truncating could cut image tokens or the verdict
        remove_unused_columns=False,  # the collator needs messages and images
        dataset_kwargs={"skip_prepare_dataset": True},
        logging_steps=args.logging_steps,
        save_strategy="no",  # one checkpoint, saved at the end
        report_to="none",
        disable_tqdm=True,  # see train()
        seed=args.seed,
        use_cpu=args.cpu,
    )


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lora_settings(args, kind: str | None) -> dict:
    if kind != "lora":
        return {
            "rank": args.lora_rank,
            "alpha": args.lora_alpha,
            "target_modules": args.lora_target_modules,
        }
    with open(os.path.join(args.init, "adapter_config.json"), encoding="utf-8") as f:
        resumed = json.load(f)
    return {
        "rank": resumed.get("r"),
        "alpha": resumed.get("lora_alpha"),
        "target_modules": resumed.get("target_modules"),
        "resumed_from": args.init,
    }


def describe_run(args, kind: str | None, examples: int, loss: float, started: datetime) -> dict:
    import peft
    import transformers
    import trl

    return {
        "base_model": args.base_model,
        "kind": "full" if args.full else "lora",
        "init": args.init or None,
        "init_kind": kind,
        "dataset": os.path.abspath(args.dataset),
        "dataset_sha256": file_sha256(args.dataset),
        "examples": examples,
        "learning_rate": args.learning_rate,
        "epochs": args.epochs,
        "effective_batch_size": args.batch_size * args.gradient_accumulation_steps,
        "lora": None if args.full else lora_settings(args, kind),
        "train_loss": loss,
        "versions": {
            "trl": trl.__version__,
            "transformers": transformers.__version__,
            "peft": peft.__version__,
        },
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def checked_init(args) -> str | None:
    """--init's kind, refusing before minutes of model loading what cannot work."""
    kind = init_kind(args.init)
    if kind == "full" and not args.full:
        raise SystemExit(
            f"--init {args.init} is a whole model: continue with --full (a LoRA adapter on it "
            f"would need that model, not {args.base_model}, served as its base)"
        )
    return kind


def write_run(args, run: dict) -> None:
    with open(os.path.join(args.output, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(run, f, indent=2)
        f.write("\n")
    print(
        f"{run['kind']} checkpoint written to {args.output}: "
        f"{run['examples']} examples, loss {run['train_loss']:.4f}"
    )


def train(args) -> int:
    if check_dataset(args.dataset) != 0:
        return 1
    kind = checked_init(args)
    started = datetime.now(timezone.utc)
    os.makedirs(args.output, exist_ok=True)
    # A marker left by an earlier, interrupted attempt must not vouch for this one.
    if os.path.exists(os.path.join(args.output, MANIFEST)):
        os.remove(os.path.join(args.output, MANIFEST))
    import datasets
    import transformers
    from transformers import AutoProcessor
    from trl import SFTTrainer

    from assistant_turn_collator import AssistantTurnCollator

    # Progress bars redraw one line with carriage returns; the trainer's log wants whole lines.
    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    processor = AutoProcessor.from_pretrained(args.base_model)
    dataset = load_dataset_for_training(args.dataset)
    trainer = SFTTrainer(
        model=load_model(args, kind),
        args=sft_config(args),
        train_dataset=dataset,
        processing_class=processor,
        data_collator=AssistantTurnCollator(processor),
    )
    result = trainer.train()
    trainer.save_model(args.output)
    if trainer.is_world_process_zero():
        processor.save_pretrained(args.output)
        write_run(args, describe_run(args, kind, len(dataset), result.training_loss, started))
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check-dataset", metavar="FILE", help="only check a dataset (standard library only)"
    )
    parser.add_argument(
        "--dataset", metavar="FILE", help="the trainer's dataset.jsonl or dataset.parquet"
    )
    parser.add_argument("--output", metavar="DIR", help="where the checkpoint goes")
    parser.add_argument(
        "--base-model", metavar="MODEL", help="the base model (hub id or directory)"
    )
    parser.add_argument(
        "--init", metavar="DIR", default="", help="the previous checkpoint to continue from"
    )
    parser.add_argument(
        "--full", action="store_true", help="train every weight, write a whole model"
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="default 1e-5 with --full (the paper's), 1e-4 for a LoRA adapter",
    )
    parser.add_argument(
        "--epochs", type=int, default=DEFAULT_EPOCHS, help="default 5, as in the paper"
    )
    parser.add_argument("--batch-size", type=int, default=1, help="per device")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=8)
    parser.add_argument("--lora-rank", type=int, default=16, help="at most vLLM's --max-lora-rank")
    parser.add_argument("--lora-alpha", type=int, default=32)
    parser.add_argument("--lora-dropout", type=float, default=0.05)
    parser.add_argument(
        "--lora-target-modules", default=DEFAULT_LORA_TARGETS, help="a regex on module names"
    )
    parser.add_argument("--logging-steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cpu", action="store_true", help="train on the CPU: only to smoke-test a tiny model"
    )
    args = parser.parse_args(argv)
    if args.learning_rate is None:
        args.learning_rate = FULL_LEARNING_RATE if args.full else LORA_LEARNING_RATE
    if args.check_dataset is None:
        missing = [
            f"--{name}"
            for name in ("dataset", "output", "base-model")
            if not getattr(args, name.replace("-", "_"))
        ]
        if missing:
            parser.error(f"{', '.join(missing)} required (or --check-dataset FILE)")
        if args.epochs < 1 or args.learning_rate <= 0:
            parser.error("--epochs must be at least 1 and --learning-rate positive")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.check_dataset is not None:
        return check_dataset(args.check_dataset)
    return train(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
