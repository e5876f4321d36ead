"""verl custom reward functions backed by Jurist's `/get_reward`.

verl has no HTTP reward protocol: it imports a Python function. Followed at verl v0.7.0
(commit b178a3c): verl/trainer/ppo/reward.py `get_custom_reward_fn` loads
`custom_reward_function.path` / `.name` and merges `custom_reward_function.reward_kwargs` into
every call; verl/experimental/reward_loop/reward_manager/naive.py and
verl/workers/reward_manager/naive.py call

    compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)

with `solution_str` decoded with skip_special_tokens=True and `extra_info` the dataset row's
`extra_info` (plus `num_turns`, `rollout_reward_scores`); verl/workers/reward_manager/batch.py
calls `compute_score(data_sources=..., solution_strs=..., ground_truths=..., extra_infos=...)`
and takes a list. A result is a float or a dict whose "score" is the reward and whose other
keys are logged (every item must have the same keys).

verl does not pass the prompt, so the question comes from `extra_info["question"]` (verl's own
preprocessing scripts, e.g. examples/data_preprocess/geo3k.py, store it there), and images
from `extra_info["images"]` (URLs, paths or bytes) when the dataset puts them there.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

# Absolute imports: verl loads a `custom_reward_function.path` file under a made-up module
# name (verl/utils/import_utils.py load_module), where relative imports fail. With the package
# installed, `pkg://jurist_client.verl` imports it as a module instead; from a checkout, the
# file finds its own package folder.
try:
    from jurist_client.client import JuristClient
    from jurist_client.fallback import failed_reward_setting, fill_failed, sigmoid
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jurist_client.client import JuristClient
    from jurist_client.fallback import failed_reward_setting, fill_failed, sigmoid

_clients: Dict[Tuple[Optional[str], Optional[str]], JuristClient] = {}


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[Mapping[str, Any]] = None,
    **kwargs: Any,
) -> Dict[str, float]:
    """`custom_reward_function.path=pkg://jurist_client.verl` (or this file's path),
    `custom_reward_function.name=compute_score`. Returns `{"score": logit P(response ≻ ground
    truth), "jurist_probability": P, "jurist_failed": 0 or 1}`; a failed item (named in the
    answer's `failures`) gets the gateway's JURIST_REWARD_ON_FAILURE, else the fallback, and
    its sigmoid. Optional `reward_kwargs`: `jurist_url`, `jurist_api_key`, `timeout_ms`,
    `question_key` (default "question"), `failed_reward` (else JURIST_FAILED_REWARD; with
    neither, an item Jurist could not score raises JuristError)."""
    return compute_score_batch(
        data_sources=[data_source],
        solution_strs=[solution_str],
        ground_truths=[ground_truth],
        extra_infos=[extra_info or {}],
        **kwargs,
    )[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Optional[Mapping[str, Any]]],
    **kwargs: Any,
) -> List[Dict[str, float]]:
    """The same for `reward_model.reward_manager=batch`: one `/get_reward` call for the batch."""
    question_key = str(kwargs.get("question_key", "question"))
    questions: List[str] = []
    images: List[List[Any]] = []
    for extra in extra_infos:
        extra = extra or {}
        question = extra.get(question_key)
        if not isinstance(question, str) or not question:
            raise ValueError(
                f"verl passes no prompt to compute_score: put the question in extra_info[{question_key!r}] "
                "when preparing the parquet (see docs/python-client.md)"
            )
        questions.append(question)
        images.append(list(extra.get("images") or []))
    client = _client(kwargs)
    # /get_reward splits each query at its prompt, so the query is the question and the
    # response concatenated, as OpenRLHF builds it.
    answer = client.get_reward(
        [q + s for q, s in zip(questions, solution_strs)],
        questions,
        list(ground_truths),
        images=images if any(images) else None,
        timeout_ms=kwargs.get("timeout_ms"),
    )
    fallback = failed_reward_setting(kwargs.get("failed_reward"))
    failures = answer.get("failures", [])
    rewards = fill_failed(answer["rewards"], failures, fallback)
    # `failures` names every failed item, whether the gateway answered null for it or, with
    # JURIST_REWARD_ON_FAILURE set, a number that is no judgement.
    failed = {f["index"] for f in failures}
    out: List[Dict[str, float]] = []
    for index, (reward, probability) in enumerate(zip(rewards, answer["scores"])):
        out.append(
            {
                "score": reward,
                "jurist_probability": sigmoid(reward) if probability is None else float(probability),
                "jurist_failed": 1.0 if index in failed else 0.0,
            }
        )
    return out


def _client(kwargs: Mapping[str, Any]) -> JuristClient:
    """One client per configuration: verl calls compute_score once per sample, from threads."""
    key = (kwargs.get("jurist_url"), kwargs.get("jurist_api_key"))
    client = _clients.get(key)
    if client is None:
        client = _clients.setdefault(
            key, JuristClient(kwargs.get("jurist_url"), api_key=kwargs.get("jurist_api_key"), priority="batch")
        )
    return client
