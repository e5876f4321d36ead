"""A pairwise reward function for TRL's OnlineDPOTrainer, backed by `/v1/judge/batch`.

Follows trl/experimental/online_dpo/online_dpo_trainer.py at TRL v1.9.0 (commit 35def3e).
TRL removed its judges API in v1.1 (#5485), so a judge plugs in as a reward function:
`training_step` samples two completions per prompt and calls

    reward_func(prompts=2 * prompts, completions=completions,
                completion_ids=completion_ids_list, **reward_kwargs)

where `reward_kwargs[key] = inputs[key] * 2` for every other column (`image` for a vision
dataset). So item i and item i + B (B = half the list) are the two completions of prompt i.
TRL turns a `None` into NaN and sums reward functions with `nansum`: a None silently becomes a
0. Then `mask = first_half >= second_half` picks the chosen completion, so on ANY tie (two
zeros, or two 0.5) the FIRST completion of the pair is chosen. This function never returns
None, and keeps ties to pairs with nothing to tell them apart:
- an empty (blank) completion is never sent: Jurist refuses it as that item's error, which
  would be a tie and make an empty first completion "chosen". An empty completion gets 0 and a
  non-empty partner 1, without a judge call; two empty completions tie at 0.5;
- a pair Jurist judged gets P(first ≻ second) and 1 − P;
- a pair Jurist could not judge (an abstention, an over-long completion) gets 0.5 for both and
  is logged: a tie, which TRL resolves for the first completion, as it would a None.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence

from .client import JuristClient, pairwise_item
from .images import ImageCache
from .messages import PromptOrCompletion, completion_text, prompt_images, prompt_text

log = logging.getLogger("jurist_client")

# /v1/judge/batch takes 1–256 items.
MAX_BATCH_ITEMS = 256
NEUTRAL = 0.5


class JuristPairwiseReward:
    """`OnlineDPOTrainer(reward_funcs=[JuristPairwiseReward()], ...)`. For each prompt's pair
    (first, second) Jurist judges both orders; the first completion gets P(first ≻ second), the
    second 1 − P: TRL prefers the higher, and the margin is the judge's confidence. An empty
    completion gets 0 and its non-empty partner 1 without a judge call (two empty ones 0.5). A
    pair Jurist could not judge (an abstention, an over-long completion) gets 0.5 for both, a tie
    that TRL's `first >= second` resolves for the first completion. A batch request that fails as a whole (after retries) raises JuristError: a judge that
    is down should stop the run, not feed it ties.
    """

    __name__ = "jurist_pairwise"

    def __init__(self, client: Optional[JuristClient] = None, *, mode: str = "fast", image_key: str = "image") -> None:
        self.client = client or JuristClient(priority="batch")
        self.mode = mode
        self.image_key = image_key

    def __call__(
        self,
        prompts: Sequence[PromptOrCompletion],
        completions: Sequence[PromptOrCompletion],
        completion_ids: Optional[Sequence[Sequence[int]]] = None,
        **kwargs: Any,
    ) -> List[float]:
        if len(prompts) != len(completions) or len(prompts) % 2:
            raise ValueError(
                "OnlineDPO passes 2 × B prompts and completions (two per prompt); "
                f"got {len(prompts)} prompts and {len(completions)} completions"
            )
        half = len(prompts) // 2
        cache = ImageCache()
        column = kwargs.get(self.image_key)
        items: List[Dict[str, Any]] = []
        judged: List[int] = []  # the prompt index of each item sent
        rewards = [NEUTRAL] * len(prompts)
        for i in range(half):
            first, second = completion_text(completions[i]), completion_text(completions[i + half])
            first_empty, second_empty = not first.strip(), not second.strip()
            if first_empty or second_empty:
                # Decided here: an empty completion loses to any text, two empty ones tie.
                rewards[i] = NEUTRAL if first_empty and second_empty else (0.0 if first_empty else 1.0)
                rewards[i + half] = 1.0 - rewards[i]
                continue
            if column is not None:
                value = column[i]
                images = cache.refs(value if isinstance(value, (list, tuple)) else [value])
            else:
                images = cache.refs(prompt_images(prompts[i]))
            items.append(
                pairwise_item(
                    prompt_text(prompts[i]), [first, second],
                    images=images, mode=self.mode, cache=False, collect=False,
                )
            )
            judged.append(i)
        probabilities = self._judge(items, judged)
        for i, probability in zip(judged, probabilities):
            if probability is not None:
                rewards[i], rewards[i + half] = probability, 1 - probability
        return rewards

    def _judge(self, items: List[Dict[str, Any]], prompt_indices: List[int]) -> List[Optional[float]]:
        out: List[Optional[float]] = []
        for start in range(0, len(items), MAX_BATCH_ITEMS):
            answer = self.client.batch(items[start : start + MAX_BATCH_ITEMS])
            for result in sorted(answer["results"], key=lambda r: r["index"]):
                verdict = result.get("verdict")
                if verdict is None:
                    error = result.get("error") or {}
                    index = prompt_indices[start + result["index"]]
                    log.warning(
                        "jurist: prompt %d's pair unjudged (%s): both get 0.5, a tie TRL resolves for the first",
                        index, error.get("code"),
                    )
                out.append(None if verdict is None else verdict.get("probability_a"))
        return out
