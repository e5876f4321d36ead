"""A TRL `GRPOTrainer` reward function backed by Jurist's `/v1/reward`.

Follows trl/trainer/grpo_trainer.py at TRL v1.9.0 (commit 35def3e): `_calculate_rewards` calls
each callable reward function as

    reward_func(prompts=prompts, completions=completions, completion_ids=completion_ids_list,
                **reward_kwargs)

where `reward_kwargs` holds every dataset column but prompt/completion/completion_ids (one
value per completion, so a vision dataset's `images` or `image` column arrives here), plus
`trainer_state`, `log_extra` and `log_metric`. A `None` in the returned list becomes NaN: that
completion gets no learning signal. Prompts and completions are strings, or conversational
messages (the completion `[{"role": "assistant", "content": ...}]`).

Grouping: completions are judged against the other completions of the same prompt, and "the
same prompt" means the same question text AND the same images (by content), so two rows that
ask the same words about different pictures are never judged with one another's images.

Several GPUs: `_calculate_rewards` runs on each process's local generation batch and gathers
the rewards afterwards. When per_device_train_batch_size is not a multiple of num_generations,
a prompt's completions are split across processes (the figure in `_get_train_sampler`:
per_device_train_batch_size=3, num_generations=2 gives GPU 0 [0, 0, 1] and GPU 1 [1, 2, 2]),
and each part is ranked in its own request: round-robin scores of separate requests are not on
one scale. A call whose groups differ in size shows it, and is warned about once.
"""

from __future__ import annotations

import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .answers import ImageRef
from .client import JuristClient, label_text
from .images import ImageCache, images_key
from .messages import PromptOrCompletion, completion_text, prompt_images, prompt_text
from .scoring import MAX_CANDIDATES, MAX_TEXT_CHARS, score_against_anchor, score_against_reference

log = logging.getLogger("jurist_client")

# question text, images by content, the reference (None without a reference column)
GroupKey = Tuple[str, Tuple[str, ...], Optional[str]]

UNEVEN_GROUPS = (
    "jurist: prompt groups of different sizes in one reward call ({sizes}): with several "
    "processes TRL scores each one's slice separately, so a prompt's completions can be split "
    "across processes, and round-robin scores from separate requests are not on one scale. Use "
    "JuristGRPOReward(reference_key=...) for absolute scores, or make "
    "per_device_train_batch_size a multiple of num_generations (docs/python-client.md)"
)


class JuristGRPOReward:
    """`reward_funcs=[JuristGRPOReward()]`. Each group of completions sharing a prompt and its
    images gets scores that compare them with one another (GRPO only uses differences within a
    group). With `reference_key`, the dataset column of that name is the reference and each
    completion is scored against it (method `reference`): absolute scores, comparable across
    groups and requests, and any group size in chunks of 16. Without it, a group of 2–16 is one
    round robin; a larger group is split into round robins that all contain the group's first
    completion as a shared anchor, and each completion's score is its estimated logit of beating
    the anchor, so the chunks land on one scale (see docs/python-client.md). A group of one has
    nothing to be compared with and gets None (no signal), as does any completion Jurist could
    not score or would refuse (over 32,768 characters); an empty completion gets `empty_reward`
    (default None). A call that fails as a whole (after retries) raises JuristError.
    """

    __name__ = "jurist"  # TRL logs each reward function under its name (rewards/jurist/mean)

    def __init__(
        self,
        client: Optional[JuristClient] = None,
        *,
        mode: str = "fast",
        reference_key: Optional[str] = None,
        image_key: Optional[str] = None,
        empty_reward: Optional[float] = None,
        concurrency: int = 8,
    ) -> None:
        self.client = client or JuristClient(priority="batch")
        self.mode = mode
        self.reference_key = reference_key
        self.image_key = image_key
        self.empty_reward = empty_reward
        self.concurrency = concurrency
        self._warned_uneven = False

    def __call__(
        self,
        prompts: Sequence[PromptOrCompletion],
        completions: Sequence[PromptOrCompletion],
        completion_ids: Optional[Sequence[Sequence[int]]] = None,
        **kwargs: Any,
    ) -> List[Optional[float]]:
        images = self._images(prompts, kwargs)
        references = kwargs.get(self.reference_key) if self.reference_key else None
        if self.reference_key and references is None:
            raise ValueError(f"reference_key={self.reference_key!r} names no dataset column of this batch")
        groups: Dict[GroupKey, List[int]] = {}
        group_images: Dict[GroupKey, List[ImageRef]] = {}
        for i, prompt in enumerate(prompts):
            reference = None if references is None else label_text(references[i])
            key = (prompt_text(prompt), images_key(images[i]), reference)
            groups.setdefault(key, []).append(i)
            group_images.setdefault(key, images[i])
        if references is None:
            self._warn_uneven_groups(groups)
        texts = [completion_text(completion) for completion in completions]
        rewards: List[Optional[float]] = [None] * len(completions)

        def score(key: GroupKey) -> None:
            question, _, reference = key
            for i in groups[key]:
                if not texts[i].strip():
                    rewards[i] = self.empty_reward
            if reference is not None and not reference.strip():
                log.warning("jurist: an empty reference in column %r: its completions get None", self.reference_key)
                return
            # Jurist refuses a request with a blank or over-long candidate as a whole: they are
            # left out of it (blank ones got `empty_reward` above, over-long ones stay None).
            indices = [i for i in groups[key] if texts[i].strip() and len(texts[i]) <= MAX_TEXT_CHARS]
            scores = self._score_group(question, group_images[key], [texts[i] for i in indices], reference)
            for i, value in zip(indices, scores):
                rewards[i] = value

        with ThreadPoolExecutor(max_workers=max(1, min(self.concurrency, len(groups)))) as pool:
            for done in [pool.submit(score, key) for key in groups]:
                done.result()  # re-raises a group's JuristError here
        _log_failures(kwargs.get("log_metric"), rewards)
        return rewards

    def _warn_uneven_groups(self, groups: Dict[GroupKey, List[int]]) -> None:
        """Once per instance: groups of different sizes in one call mean a prompt's completions
        were split across processes (or the dataset repeats a prompt). Against a reference the
        scores are absolute and the split does no harm, so this is only for round robins."""
        sizes = sorted({len(indices) for indices in groups.values()})
        if len(sizes) > 1 and not self._warned_uneven:
            self._warned_uneven = True
            warnings.warn(UNEVEN_GROUPS.format(sizes=", ".join(map(str, sizes))), RuntimeWarning, stacklevel=3)

    def _score_group(
        self, question: str, images: List[ImageRef], candidates: List[str], reference: Optional[str]
    ) -> List[Optional[float]]:
        if reference is not None:
            return score_against_reference(self.client, question, images, candidates, reference, self.mode)
        if not candidates:
            return []
        if len(candidates) == 1:
            log.warning("jurist: a prompt with a single completion cannot be ranked; it gets None")
            return [None]
        if len(candidates) <= MAX_CANDIDATES:
            answer = self.client.reward(question, candidates, images=images, method="round_robin", mode=self.mode)
            return list(answer["scores"])
        return score_against_anchor(self.client, question, images, candidates, self.mode)

    def _images(self, prompts: Sequence[PromptOrCompletion], kwargs: Dict[str, Any]) -> List[List[ImageRef]]:
        """Each completion's images: the dataset's image column when there is one (`images`, a
        list per row, or `image`, one per row, as GRPOTrainer reads them), else the image parts
        of a conversational prompt."""
        cache = ImageCache()
        column_key = self.image_key or next((k for k in ("images", "image") if k in kwargs), None)
        column = kwargs.get(column_key) if column_key else None
        out: List[List[ImageRef]] = []
        for i, prompt in enumerate(prompts):
            if column is not None:
                value = column[i]
                listed = value if isinstance(value, (list, tuple)) else [value]
                out.append(cache.refs(listed))
            else:
                out.append(cache.refs(prompt_images(prompt)))
        return out


def _log_failures(log_metric: Optional[Callable[[str, float], None]], rewards: List[Optional[float]]) -> None:
    """TRL ≥ 1.x passes `log_metric(name, value)`; the share of unscored completions is worth a
    curve (a rising one means the judge abstains or fails on this policy's text)."""
    if callable(log_metric) and rewards:
        log_metric("jurist/unscored_fraction", sum(r is None for r in rewards) / len(rewards))


__all__ = ["JuristGRPOReward"]
