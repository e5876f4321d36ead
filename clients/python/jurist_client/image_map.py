"""Prompt → images for OpenRLHF, whose reward function is never handed the images.

A JSON object file from prompt to its images. A prompt is found by its exact text (keys made
with OpenRLHF's own chat template) or, failing that, by the longest key its text contains
(keys that are the dataset's raw questions, inside the templated prompt); among keys of the
same length, the first in the file wins.

The contained-key search runs for every new prompt, from many threads, over maps of tens of
thousands of keys, so it must not test every key: each key of at least ANCHOR characters is
indexed by one ANCHOR-character slice of itself (its rarest among a sample), and a prompt is
read once, slice by slice, looking each slice up; only the few keys indexed under a slice that
occurs are compared in full. Shorter keys are found by their own text, one length at a time.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

# Long enough that slices of ordinary prose rarely repeat across keys, short enough that
# questions are nearly all indexed (shorter keys take the slower per-length path).
ANCHOR = 16
# Offsets sampled per key to choose its anchor: enough to avoid a prefix shared by a whole
# family of questions ("What is shown in the image? ..."), cheap to count over 50k keys.
ANCHOR_SAMPLES = 8
# Prompts remembered with their answer: OpenRLHF asks for each prompt once per sample.
CACHE_SIZE = 65_536

_NOT_FOUND = ""  # cached "no key": a real key is never empty on this path


class ImageMap:
    """Prompt → image list from a JSON object file. Relative paths in it are read from the
    map's folder. Safe to share between threads without a lock: the index is read-only once
    built, and the cache is a dict whose single reads and writes are atomic (two threads
    missing the same prompt both compute the same answer)."""

    def __init__(self, path: str) -> None:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: the image map must be a JSON object of prompt → list of images")
        folder = Path(path).resolve().parent
        self._images: Dict[str, List[str]] = {
            key: [_resolve(value, folder) for value in (values if isinstance(values, list) else [values])]
            for key, values in raw.items()
        }
        self._index = ContainedKeyIndex(self._images)
        self._found: Dict[str, str] = {}

    def images_for(self, prompt: str) -> Optional[List[str]]:
        """The prompt's images, or None when no key matches it."""
        exact = self._images.get(prompt)
        if exact is not None:
            return exact
        key = self._found.get(prompt)
        if key is None:
            key = self._index.longest_in(prompt) or _NOT_FOUND
            if len(self._found) >= CACHE_SIZE:
                self._found.clear()  # a new epoch's prompts; the index stays
            self._found[prompt] = key
        return None if key == _NOT_FOUND else self._images[key]


class ContainedKeyIndex:
    """The longest of a set of keys that a text contains (ties: the earliest key), in time
    proportional to the text's length rather than the number of keys."""

    def __init__(self, keys: Iterable[str]) -> None:
        ranked = [(rank, key) for rank, key in enumerate(keys) if key]
        long_keys = [key for _, key in ranked if len(key) >= ANCHOR]
        seen = Counter(key[o : o + ANCHOR] for key in long_keys for o in _sample_offsets(len(key)))
        # anchor slice → [(offset of the slice in the key, key, rank)], longest key first
        self._anchored: Dict[str, List[Tuple[int, str, int]]] = {}
        # length → {key: rank}, for keys shorter than ANCHOR, longest first
        self._short: Dict[int, Dict[str, int]] = {}
        for rank, key in ranked:
            if len(key) < ANCHOR:
                self._short.setdefault(len(key), {})[key] = rank
                continue
            offset = min(_sample_offsets(len(key)), key=lambda o: seen[key[o : o + ANCHOR]])
            self._anchored.setdefault(key[offset : offset + ANCHOR], []).append((offset, key, rank))
        for bucket in self._anchored.values():
            bucket.sort(key=lambda entry: (-len(entry[1]), entry[2]))
        self._short_lengths = sorted(self._short, reverse=True)

    def longest_in(self, text: str) -> Optional[str]:
        best: Optional[Tuple[int, int, str]] = None  # (−length, rank, key): smaller is better
        anchored = self._anchored
        for i in range(len(text) - ANCHOR + 1):
            bucket = anchored.get(text[i : i + ANCHOR])
            if not bucket:
                continue
            for offset, key, rank in bucket:
                if best is not None and (-len(key), rank) >= best[:2]:
                    break  # the bucket is sorted: nothing after this one could win
                start = i - offset
                if start >= 0 and text.startswith(key, start):
                    best = (-len(key), rank, key)
                    break
        if best is not None:
            return best[2]  # any long key beats every short one
        for length in self._short_lengths:
            keys = self._short[length]
            slices = (text[i : i + length] for i in range(len(text) - length + 1))
            found = [(keys[piece], piece) for piece in slices if piece in keys]
            if found:
                return min(found)[1]
        return None


def _sample_offsets(length: int) -> List[int]:
    """Up to ANCHOR_SAMPLES offsets of ANCHOR-long slices, spread over a key of `length`."""
    last = length - ANCHOR
    if last <= 0:
        return [0]
    count = min(ANCHOR_SAMPLES, last + 1)
    return sorted({round(last * n / (count - 1)) for n in range(count)}) if count > 1 else [0]


def _resolve(value: Any, folder: Path) -> str:
    text = str(value)
    if text.startswith(("http://", "https://", "data:")) or os.path.isabs(text):
        return text
    return str(folder / text)
