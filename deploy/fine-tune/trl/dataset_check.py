"""Checks a Jurist fine-tune dataset example by example, with the standard library only.

The dataset is the trainer's TRL conversational vision data (trainer/core/training-example.ts):
`messages` with `{"type": "image"}` / `{"type": "text", "text": ...}` parts, `images` with one
entry per image part, in order, and `lineage` beside them. Two forms (JURIST_DATASET_IMAGES):
`dataset.jsonl`, whose images are absolute file paths, and `dataset.parquet`, whose images are
Hugging Face `Image` structs `{"bytes", "path"}` with the features in the schema metadata, so
`datasets` decodes them to PIL images without a cast (read here with parquet_rows.py). It runs
before a GPU host spends minutes loading a model (fine-tune.sh, train_judge.py), and in the
Kubernetes pod, where an image path outside the shared volume shows up as a missing file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys

from parquet_rows import ParquetError, ParquetFile, is_parquet

# The verdict markers of the gateway's reasoned prompt (src/core/pairwise-template.ts). Only A
# and B are verdicts (src/core/verdict-parser.ts: [[C]] means the judge declined), and every
# example's trace ends exactly in one (buildTrainingExample refuses anything else).
VERDICT_AT_END = re.compile(r"\[\[([AB])\]\]\Z")

ROLES = ("system", "user", "assistant")

# Image types the gateway accepts, by magic bytes (src/images/image-magic.ts).
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def is_image_bytes(head: bytes) -> bool:
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def is_image_file(path: str) -> bool:
    with open(path, "rb") as f:
        return is_image_bytes(f.read(12))


def part_problem(part: object) -> str | None:
    if not isinstance(part, dict):
        return "is not an object"
    if part.get("type") == "image":
        return None
    if part.get("type") == "text":
        return None if isinstance(part.get("text"), str) else "is a text part without text"
    return f"has type {part.get('type')!r}, expected image or text"


def message_problems(index: int, message: object) -> tuple[list[str], int]:
    """Problems of one message, and how many image parts it has."""
    if not isinstance(message, dict):
        return [f"message {index} is not an object"], 0
    problems = []
    if message.get("role") not in ROLES:
        problems.append(f"message {index} has role {message.get('role')!r}")
    content = message.get("content")
    if not isinstance(content, list) or not content:
        return [*problems, f"message {index} content is not a non-empty list of parts"], 0
    for j, part in enumerate(content):
        problem = part_problem(part)
        if problem:
            problems.append(f"message {index} part {j} {problem}")
    images = sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image")
    return problems, images


def target_problems(messages: list) -> list[str]:
    """The last message must be the assistant's text ending in the verdict marker."""
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return ["the last message is not the assistant's"]
    parts = last.get("content") if isinstance(last.get("content"), list) else []
    if any(not isinstance(p, dict) or p.get("type") != "text" for p in parts):
        return ["the assistant message has a part that is not text"]
    text = "".join(p.get("text") or "" for p in parts)
    if not VERDICT_AT_END.search(text):
        return ["the assistant text does not end in a [[A]] or [[B]] verdict"]
    if not any(isinstance(m, dict) and m.get("role") == "user" for m in messages[:-1]):
        return ["no user message before the assistant's"]
    return []


def embedded_problem(k: int, image: dict) -> str | None:
    data = image.get("bytes")
    if not isinstance(data, bytes) or not data:
        return f"image {k} has no embedded bytes"
    if not is_image_bytes(data[:12]):
        return f"image {k} ({image.get('path')}) is not a PNG, JPEG, GIF or WebP image"
    return None


def image_problems(images: list) -> list[str]:
    problems = []
    for k, path in enumerate(images):
        if isinstance(path, dict):  # the parquet form: an Image struct
            problem = embedded_problem(k, path)
            if problem:
                problems.append(problem)
        elif not os.path.isabs(path):
            problems.append(f"image {k} path is not absolute: {path}")
        elif not os.path.isfile(path):
            problems.append(f"image {k} not found: {path}")
        elif not is_image_file(path):
            problems.append(f"image {k} is not a PNG, JPEG, GIF or WebP file: {path}")
    return problems


def example_problems(example: object) -> list[str]:
    """Everything wrong with one decoded line; empty when it is a usable example."""
    if not isinstance(example, dict):
        return ["not a JSON object"]
    messages, images = example.get("messages"), example.get("images")
    if not isinstance(messages, list) or not messages:
        return ["messages is not a non-empty list"]
    if not isinstance(images, list) or not all(isinstance(p, (str, dict)) for p in images):
        return ["images is not a list of file paths or embedded images"]
    problems, parts = [], 0
    for i, message in enumerate(messages):
        found, count = message_problems(i, message)
        problems += found
        parts += count
    if parts != len(images):
        problems.append(f"{parts} image parts but {len(images)} images")
    if "lineage" in example and not isinstance(example["lineage"], dict):
        problems.append("lineage is not an object")
    return problems + target_problems(messages) + image_problems(images)


def image_key(image) -> object:
    """What makes two images the same: the file path, or the embedded bytes (by digest, so the
    set of images seen does not hold every image)."""
    return image if isinstance(image, str) else hashlib.sha256(image.get("bytes") or b"").digest()


def report(path: str, numbered, kind: str) -> int:
    """Checks each (position, example, problems) of `numbered`; prints a summary or the problems."""
    examples, images, bad, verdicts = 0, set(), [], {"A": 0, "B": 0}
    for number, example, problems in numbered:
        if not problems:
            problems = example_problems(example)
        for problem in problems:
            print(f"{kind} {number}: {problem}", file=sys.stderr)
        if problems:
            bad.append(number)
            continue
        examples += 1
        images.update(image_key(image) for image in example["images"])
        text = "".join(p["text"] for p in example["messages"][-1]["content"])
        verdicts[VERDICT_AT_END.search(text).group(1)] += 1
    if bad:
        listed = ", ".join(map(str, bad))
        print(f"dataset {path}: {len(bad)} bad examples, on {kind}s {listed}", file=sys.stderr)
        return 1
    if examples == 0:
        print(f"dataset {path}: no examples", file=sys.stderr)
        return 1
    held = "embedded images" if kind == "row" else "image files"
    print(
        f"dataset OK: {path}: {examples} examples, {len(images)} {held}, "
        f"verdicts [[A]] {verdicts['A']} / [[B]] {verdicts['B']}"
    )
    return 0


def jsonl_examples(lines: list[str]):
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), []
        except ValueError as error:
            yield number, None, [f"not valid JSON: {error}"]


def is_image_list(feature) -> bool:
    """A list of Image in any form datasets writes: `[Image]`, or List, Sequence, LargeList."""
    if isinstance(feature, list) and len(feature) == 1:
        item = feature[0]
    elif isinstance(feature, dict) and feature.get("_type") in ("List", "Sequence", "LargeList"):
        item = feature.get("feature")
    else:
        return False
    return isinstance(item, dict) and item.get("_type") == "Image"


def parquet_file_problems(file: ParquetFile) -> list[str]:
    """What would keep `datasets` from giving PIL images with no cast (see dataset-parquet.ts)."""
    features = file.huggingface_features()
    if features is None:
        return ["no Hugging Face features in the schema metadata (key 'huggingface'): "
                "datasets would read images as {bytes, path} dicts"]
    problems = []
    if not is_image_list(features.get("images")):
        problems.append(f"the images feature is {features.get('images')!r}, not a list of Image")
    columns = {c["name"] for c in file.schema()}
    problems += [f"no {name} column" for name in ("messages", "images") if name not in columns]
    return problems


def parquet_examples(file: ParquetFile):
    for number, row in enumerate(file.rows()):
        yield number, row, []


def check_parquet(path: str) -> int:
    try:
        file = ParquetFile(path)
        problems = parquet_file_problems(file)
        if problems:
            for problem in problems:
                print(f"dataset {path}: {problem}", file=sys.stderr)
            return 1
        return report(path, parquet_examples(file), "row")
    except (OSError, ParquetError) as error:
        print(f"dataset {path}: cannot read it as parquet: {error}", file=sys.stderr)
        return 1


def check_dataset(path: str) -> int:
    """Checks every example of the dataset (JSONL or parquet); prints a summary, or the problems.
    The exit code."""
    try:
        if is_parquet(path):
            return check_parquet(path)
        with open(path, encoding="utf-8") as f:
            lines = list(f)
    except (OSError, UnicodeDecodeError) as error:
        print(f"dataset {path}: cannot read it: {error}", file=sys.stderr)
        return 1
    return report(path, jsonl_examples(lines), "line")
