"""The OpenRLHF image map's prompt lookup (jurist_client/image_map.py): exact key first, else
the longest key the prompt contains (the first in the file among equal lengths), without
testing every key for each new prompt, as a scan over tens of thousands of questions would."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List, Optional

from jurist_client.image_map import ANCHOR, ContainedKeyIndex, ImageMap

SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"


def templated(question: str) -> str:
    """A Qwen2.5-VL prompt as OpenRLHF's preprocess_data makes it, around the raw question."""
    return f"{SYSTEM}<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n"


def longest_by_scan(keys: List[str], text: str) -> Optional[str]:
    """The rule stated plainly: every non-empty key the text contains, longest, then earliest."""
    contained = [(-len(key), rank, key) for rank, key in enumerate(keys) if key and key in text]
    return min(contained)[2] if contained else None


class CountingText(str):
    """A prompt that counts how often the lookup reads it: a containment test, a slice or a
    comparison at an offset."""

    reads = 0

    def __contains__(self, item: object) -> bool:
        CountingText.reads += 1
        return super().__contains__(item)  # type: ignore[operator]

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        CountingText.reads += 1
        return super().__getitem__(index)

    def startswith(self, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def, override]
        CountingText.reads += 1
        return super().startswith(*args, **kwargs)

    def find(self, *args, **kwargs) -> int:  # type: ignore[no-untyped-def, override]
        CountingText.reads += 1
        return super().find(*args, **kwargs)


def write_map(entries: Dict[str, List[str]]) -> str:
    path = Path(tempfile.mkdtemp(prefix="jurist-map-"), "prompt-images.json")
    path.write_text(json.dumps(entries))
    return str(path)


class ImageMapTests(unittest.TestCase):
    def test_exact_then_longest_contained_then_earliest(self) -> None:
        keys = [
            "What animal is this?",
            "What animal is this one?",  # contains the key above's start, is longer
            "animal",  # shorter than ANCHOR
            "is this",
            "this?",
            "What is shown in the image? Options: A 1 B 2",  # a family sharing a long prefix
            "What is shown in the image? Options: A 1 B 3",
            "What is shown in the image? Options: A 1",
            "Count the dots.",  # 15 characters: just under ANCHOR
            "Count the dots!!",  # exactly ANCHOR
            "dots.",
            "same length key A",
            "same length key B",
            "x" * 40,
        ]
        self.assertEqual(len("Count the dots!!"), ANCHOR)
        texts = [
            templated("What animal is this?"),
            templated("What animal is this one?"),
            templated("Which animal is this?"),
            templated("What is shown in the image? Options: A 1 B 3"),
            templated("What is shown in the image? Options: A 1 B 4"),
            templated("Count the dots."),
            templated("Count the dots!!"),
            "What animal is this? What animal is this one?",  # two keys, the later one longer
            "same length key B and same length key A",  # equal lengths: the earlier key wins
            "y" + "x" * 45,
            "animal",
            "nothing here matches",
            "",
        ]
        index = ContainedKeyIndex(keys)
        for text in texts:
            self.assertEqual(index.longest_in(text), longest_by_scan(keys, text), text)

        image_map = ImageMap(write_map({key: [f"https://img.example/{n}.png"] for n, key in enumerate(keys)}))
        self.assertEqual(image_map.images_for("is this"), ["https://img.example/3.png"])  # exact
        self.assertEqual(image_map.images_for(templated("What animal is this one?")), ["https://img.example/1.png"])
        self.assertEqual(image_map.images_for(templated("What animal is this one?")), ["https://img.example/1.png"])  # cached
        self.assertIsNone(image_map.images_for("nothing here matches"))

    def test_a_new_prompt_is_not_tested_against_every_key(self) -> None:
        keys = [f"Question {n}: how many red squares are in picture number {n}?" for n in range(5_000)]
        image_map = ImageMap(write_map({key: [] for key in keys}))
        prompt = CountingText(templated(keys[4_321]))
        CountingText.reads = 0
        self.assertEqual(image_map.images_for(prompt), [])
        # One read per position of the prompt and a few comparisons, not one per key.
        self.assertLess(CountingText.reads, 2 * len(prompt), f"{CountingText.reads} reads of a {len(prompt)}-character prompt")


if __name__ == "__main__":
    unittest.main()
