"""OpenRLHF custom reward function, importable: `jurist_client.openrlhf.reward_func`.

OpenRLHF loads a `--remote_rm_url` (0.10.2+: `--reward.remote_url`) `.py` file; the file to
give it is `openrlhf_reward_func.py` next to this one, a shim that imports `reward_func` from
here. The logic lives in this module, not in the loaded file, because of how v0.9.0 uses it.

Followed at OpenRLHF v0.9.0 (commit 06ab51e), v0.9.1 (commit ac18582) and v0.11.0 (commit
3c3be62): the `.py` URL is loaded with `importlib.util.spec_from_file_location("reward_func",
path)` (not put in sys.modules) and its `reward_func(queries, prompts, labels)` is called
positionally.
- v0.9.0 (openrlhf/utils/remote_rm_utils.py, RemoteRewardModel) wraps it with
  `ray.remote(reward_module.reward_func)` and calls it with slices of
  `micro_rollout_batch_size` items, concatenating `torch.as_tensor(info["rewards"])`. Ray
  pickles the function with cloudpickle: a function of a module missing from sys.modules is
  pickled BY VALUE, with every module global it reaches; a lock among them fails the run
  (`TypeError: cannot pickle '_thread.lock' object`). This module is importable, so its
  function is pickled by reference (module and name) and imported again on the Ray worker:
  there, the package must be importable too (`pip install ./clients/python` on every node, or
  the checkout on PYTHONPATH in the job's runtime env; docs/python-client.md).
- v0.9.1 to v0.11.0 (openrlhf/utils/agent.py, SingleTurnAgentExecutor
  `_fetch_rewards_via_func`) call it with one item per call (batch_size = 1) through
  `asyncio.to_thread`, from many threads at once, and make `torch.tensor([reward])`; no timeout
  is put on the call.
Either way it must return `{"rewards": [...], "scores": [...], "extra_logs": {name: [...]}}`
with numbers only. Each query is `tokenizer.decode(prompt + response token ids,
skip_special_tokens=False)`, so a vision prompt's single `<|image_pad|>` comes back as one per
image patch; `prompts` are the chat-templated prompt strings; `labels` the `--label_key` column
("" without one). Queries go to Jurist as decoded: the gateway collapses expanded image
placeholders and strips the policy's chat markup itself (JURIST_REWARD_POLICY_TEMPLATE,
docs/reward-and-rlhf.md), one place for every client.

OpenRLHF never hands images to the reward function, so this module finds them itself: a JSON
map from prompt to its images (`JURIST_IMAGE_MAP`, image_map.py), built from the dataset
(docs/python-client.md).

Environment: JURIST_URL, JURIST_API_KEY, JURIST_IMAGE_MAP (path), JURIST_TIMEOUT_MS (default
170000, capped by the gateway's JURIST_REQUEST_TIMEOUT_MS), JURIST_FAILED_REWARD (the reward of
an item Jurist could not score; unset, such an item raises), JURIST_BATCH_ITEMS (items per
request, default 256).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, List, Optional, Sequence

from .client import JuristClient
from .fallback import failed_reward_setting, fill_failed, sigmoid
from .image_map import ImageMap

# OpenRLHF puts no timeout on a reward_func call (v0.9.1+ awaits the thread; v0.9.0 ray.get),
# so this is Jurist's deadline alone. It is long because one call may carry a v0.9.0 slice of
# JURIST_BATCH_ITEMS items, judged in waves under one deadline; the gateway caps it at its own
# JURIST_REQUEST_TIMEOUT_MS (60 s by default). A single item rarely needs more than seconds.
DEFAULT_TIMEOUT_MS = 170_000

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
    dynamic filtering), `extra_logs.jurist_failed` 1 for an item Jurist could not score: it got
    the gateway's JURIST_REWARD_ON_FAILURE, or else this process's JURIST_FAILED_REWARD."""
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
    # `failures` names every failed item, whether the gateway answered null for it or, with
    # JURIST_REWARD_ON_FAILURE set, a number that is no judgement.
    failed = {f["index"] for f in failures}
    return {
        "rewards": filled,
        "scores": [sigmoid(r) if s is None else float(s) for r, s in zip(filled, scores)],
        "extra_logs": {"jurist_failed": [1.0 if i in failed else 0.0 for i in range(len(filled))]},
    }


__all__ = ["reward_func", "reset", "ImageMap", "DEFAULT_TIMEOUT_MS"]
