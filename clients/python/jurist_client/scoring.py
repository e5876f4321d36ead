"""Scoring a group of candidates on `/v1/reward` when it may hold more than 16.

`/v1/reward` takes 2–16 candidates. Two ways past that, both on one scale across chunks:

- against a reference (method `reference`): every score is logit P(candidate ≻ reference),
  already absolute, so chunks of at most 16 simply concatenate;
- without one, a shared anchor: the group's first candidate joins every chunk of a round
  robin. Round-robin scores are centred per request, so only differences inside one request
  mean anything; score_i − score_anchor estimates logit P(i ≻ anchor) in every chunk, which puts
  all chunks on the anchor's scale. The group is then centred to mean 0 again, as a single
  round robin would be. Cost: K − 1 other candidates in chunks of 15 plus the anchor, e.g. 64
  candidates are 5 round robins of ≤ 16 (≤ 600 pairs) instead of one 2,016-pair round robin.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence

from .answers import ImageRef
from .client import JuristClient

MAX_CANDIDATES = 16
# A candidate's length limit on every judging route (docs/api.md).
MAX_TEXT_CHARS = 32_768
# Jurist clamps P(candidate ≻ reference) to [1e-4, 1 − 1e-4] for the reference method
# (docs/reward-and-rlhf.md); a lone candidate judged by the pairwise route gets the same clamp.
PROBABILITY_FLOOR = 1e-4


def even_chunks(items: Sequence[int], size: int) -> List[List[int]]:
    """`items` in the fewest chunks of at most `size`, their sizes differing by at most one,
    so no chunk is left with a single candidate when an even split avoids it."""
    if not items:
        return []
    count = math.ceil(len(items) / size)
    base, extra = divmod(len(items), count)
    chunks: List[List[int]] = []
    start = 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        chunks.append(list(items[start:end]))
        start = end
    return chunks


def score_against_reference(
    client: JuristClient,
    question: str,
    images: List[ImageRef],
    candidates: List[str],
    reference: str,
    mode: str,
) -> List[Optional[float]]:
    scores: List[Optional[float]] = [None] * len(candidates)
    for chunk in even_chunks(range(len(candidates)), MAX_CANDIDATES):
        if len(chunk) == 1:
            scores[chunk[0]] = _one_against_reference(client, question, images, candidates[chunk[0]], reference, mode)
            continue
        answer = client.reward(
            question, [candidates[i] for i in chunk], images=images, reference=reference,
            method="reference", mode=mode,
        )
        for i, value in zip(chunk, answer["scores"]):
            scores[i] = value
    return scores


def _one_against_reference(
    client: JuristClient, question: str, images: List[ImageRef], candidate: str, reference: str, mode: str
) -> Optional[float]:
    """`/v1/reward` needs two candidates; one is the same both-orders pair on the pairwise route
    (no cache, no collection: it is the policy's own sample, as reward traffic is)."""
    verdict = client.pairwise(question, [candidate, reference], images=images, mode=mode, cache=False, collect=False)
    probability = verdict.get("probability_a")
    if probability is None:
        return None
    clamped = min(max(probability, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR)
    return math.log(clamped / (1 - clamped))


def score_against_anchor(
    client: JuristClient, question: str, images: List[ImageRef], candidates: List[str], mode: str
) -> List[Optional[float]]:
    scores: List[Optional[float]] = [None] * len(candidates)
    scores[0] = 0.0  # the anchor, on its own scale
    anchor_ever_scored = False
    for chunk in even_chunks(range(1, len(candidates)), MAX_CANDIDATES - 1):
        answer = client.reward(
            question, [candidates[0]] + [candidates[i] for i in chunk], images=images,
            method="round_robin", mode=mode,
        )
        anchor = answer["scores"][0]
        if anchor is None:
            continue  # no scale in this chunk: its candidates stay unscored (None)
        anchor_ever_scored = True
        for i, value in zip(chunk, answer["scores"][1:]):
            scores[i] = None if value is None else value - anchor
    if not anchor_ever_scored:
        scores[0] = None
    present = [value for value in scores if value is not None]
    if not present:
        return scores
    mean = sum(present) / len(present)
    return [None if value is None else value - mean for value in scores]
