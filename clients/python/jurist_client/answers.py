"""Shapes of Jurist's answers (docs/api.md, docs/reward-and-rlhf.md), for type checkers."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - older interpreters read the annotations as strings only
    from typing import TypedDict

    NotRequired = Optional


class ImageRef(TypedDict):
    """`{"url": ...}`: a `data:image/...;base64,` URI or an http(s) URL the gateway fetches."""

    url: str


class Failure(TypedDict):
    index: int
    reason: str


class OrderVerdict(TypedDict):
    order: str
    outcome: str
    winner: Optional[str]
    probability_a: Optional[float]
    reasoning: NotRequired[str]


class Verdict(TypedDict):
    id: str
    outcome: str  # "ok" | "partial" | "abstain"
    winner: Optional[str]  # "A" | "B" | "tie" | None
    probability_a: Optional[float]
    consistent: Optional[bool]
    orders: List[OrderVerdict]
    checkpoint: str
    template: str
    mode: str
    cached: bool
    simulated: bool
    latency_ms: int
    reasoning: NotRequired[str]
    reason: NotRequired[str]


class ItemError(TypedDict):
    code: str
    message: str
    details: NotRequired[List[Dict[str, Any]]]


class BatchResult(TypedDict):
    index: int
    verdict: NotRequired[Verdict]
    error: NotRequired[ItemError]


class BatchAnswer(TypedDict):
    results: List[BatchResult]


class Pairs(TypedDict):
    total: int
    judged: int
    dropped: List[Dict[str, Any]]


class RewardAnswer(TypedDict):
    """`/v1/reward`: `scores[i]` is None exactly when `failures` names candidate i."""

    scores: List[Optional[float]]
    ranking: List[int]
    failures: List[Failure]
    method: str  # "reference" | "round_robin"
    mode: str
    checkpoint: str
    simulated: bool
    pairs: Pairs
    latency_ms: int


class GetRewardAnswer(TypedDict):
    """`/get_reward` (OpenRLHF's shape): `rewards` are logits, `scores` probabilities."""

    rewards: List[Optional[float]]
    scores: List[Optional[float]]
    extra_logs: Dict[str, List[Any]]
    failures: List[Failure]
    checkpoint: str
    simulated: bool
