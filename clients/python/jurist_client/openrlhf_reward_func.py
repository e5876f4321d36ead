"""OpenRLHF custom reward function: point `--remote_rm_url` (0.10.2+: `--reward.remote_url`) at
this file. Standard library only; it needs this package, installed (`pip install
./clients/python`) or not (it finds its own folder).

Followed at OpenRLHF v0.9.0 (commit 06ab51e) and v0.11.0 (commit 3c3be62): a remote URL ending
in `.py` is loaded with `importlib.util.spec_from_file_location("reward_func", path)` and its
`reward_func(queries, prompts, labels)` is called positionally; v0.9.0
(openrlhf/utils/remote_rm_utils.py) calls it through Ray with slices of
`micro_rollout_batch_size` items and concatenates `torch.as_tensor(info["rewards"])`;
v0.9.10–v0.11.0 (openrlhf/utils/agent.py, SingleTurnAgentExecutor) call it with one item from a
thread and make `torch.tensor([reward])`. Either way it must return
`{"rewards": [...], "scores": [...], "extra_logs": {name: [...]}}` with numbers only. Each query
is `tokenizer.decode(prompt + response token ids, skip_special_tokens=False)`, so a vision
prompt's single `<|image_pad|>` comes back as one per image patch; `prompts` are the chat-
templated prompt strings; `labels` the `--label_key` column ("" without one).

OpenRLHF never hands images to the reward function, so this file finds them itself: a JSON map
from prompt to its images (`JURIST_IMAGE_MAP`), built from the dataset (docs/python-client.md).

Environment: JURIST_URL, JURIST_API_KEY, JURIST_IMAGE_MAP (path), JURIST_TIMEOUT_MS (default
170000, capped by the gateway's JURIST_REQUEST_TIMEOUT_MS), JURIST_FAILED_REWARD (the reward of
an item Jurist could not score; unset, such an item raises), JURIST_BATCH_ITEMS (items per
request, default 256). Queries go to Jurist as OpenRLHF decoded them: the gateway collapses
expanded image placeholders and strips the policy's chat markup itself
(JURIST_REWARD_POLICY_TEMPLATE, docs/reward-and-rlhf.md), one place for every client.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

try:
    from jurist_client.client import JuristClient
    from jurist_client.fallback import failed_reward_setting, fill_failed, sigmoid
except ImportError:  # run from a checkout: this file's folder is the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jurist_client.client import JuristClient
    from jurist_client.fallback import failed_reward_setting, fill_failed, sigmoid

DEFAULT_TIMEOUT_MS = 170_000  # under OpenRLHF's own 180 s HTTP timeout


class ImageMap:
    """Prompt → image list, from a JSON object file. A prompt is found by its exact text (keys
    made with OpenRLHF's own chat template) or, failing that, by the longest key its text
    contains (keys that are the dataset's raw questions, inside the templated prompt). Relative
    paths in it are read from the map's folder."""

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
        self._by_length = sorted(self._images, key=len, reverse=True)
        self._found: Dict[str, Optional[str]] = {}
        self._lock = threading.Lock()

    def images_for(self, prompt: str) -> Optional[List[str]]:
        """The prompt's images, or None when no key matches it."""
        if prompt in self._images:
            return self._images[prompt]
        with self._lock:
            if prompt not in self._found:
                self._found[prompt] = next((key for key in self._by_length if key and key in prompt), None)
            key = self._found[prompt]
        return None if key is None else self._images[key]


def _resolve(value: Any, folder: Path) -> str:
    text = str(value)
    if text.startswith(("http://", "https://", "data:")) or os.path.isabs(text):
        return text
    return str(folder / text)


_lock = threading.Lock()
_state: Dict[str, Any] = {}


def _configured() -> Dict[str, Any]:
    """Client and image map, made once per process (OpenRLHF calls from many threads)."""
    with _lock:
        if not _state:
            map_path = os.environ.get("JURIST_IMAGE_MAP", "").strip()
            _state.update(
                client=JuristClient(
                    timeout_ms=int(os.environ.get("JURIST_TIMEOUT_MS", DEFAULT_TIMEOUT_MS)), priority="batch"
                ),
                image_map=ImageMap(map_path) if map_path else None,
                batch_items=int(os.environ.get("JURIST_BATCH_ITEMS", "256")),
            )
        return _state


def reset() -> None:
    """Forget the configuration read from the environment (tests change it between calls)."""
    with _lock:
        _state.clear()


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Optional[Sequence[Any]] = None, **kwargs: Any
) -> Dict[str, Any]:
    """OpenRLHF's call. `rewards` are logit P(response ≻ label), `scores` the probability (for
    dynamic filtering), `extra_logs.jurist_failed` 1 for an item scored by JURIST_FAILED_REWARD."""
    state = _configured()
    client: JuristClient = state["client"]
    image_map: Optional[ImageMap] = state["image_map"]
    queries = list(queries)
    labels = list(labels) if labels is not None else [""] * len(queries)
    rewards: List[Optional[float]] = []
    scores: List[Optional[float]] = []
    failures: List[Dict[str, Any]] = []
    step = max(1, state["batch_items"])
    for start in range(0, len(queries), step):
        end = min(start + step, len(queries))
        images = None
        if image_map is not None:
            images = []
            for i in range(start, end):
                found = image_map.images_for(prompts[i])
                if found is None:
                    raise LookupError(
                        f"JURIST_IMAGE_MAP has no entry for prompt {i}: {prompts[i][:120]!r}; "
                        "build the map from every row of the dataset (docs/python-client.md)"
                    )
                images.append(found)
        answer = client.get_reward(queries[start:end], prompts[start:end], labels[start:end], images=images)
        rewards.extend(answer["rewards"])
        scores.extend(answer["scores"])
        failures.extend({"index": f["index"] + start, "reason": f["reason"]} for f in answer.get("failures", []))
    filled = fill_failed(rewards, failures, failed_reward_setting())  # type: ignore[arg-type]
    return {
        "rewards": filled,
        "scores": [sigmoid(r) if s is None else float(s) for r, s in zip(filled, scores)],
        "extra_logs": {"jurist_failed": [1.0 if s is None else 0.0 for s in scores]},
    }
