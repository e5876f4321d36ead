"""JuristClient: the four judging routes of a Jurist gateway over HTTP."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, cast

from .answers import BatchAnswer, GetRewardAnswer, RewardAnswer, Verdict
from .images import ImageValue, image_refs
from .transport import SOCKET_SLACK_S, RetryPolicy, post_json

DEFAULT_URL = "http://127.0.0.1:8080"
# Jurist's default request deadline (JURIST_REQUEST_TIMEOUT_MS); a longer one is capped there.
DEFAULT_TIMEOUT_MS = 60_000


class JuristClient:
    """A Jurist gateway. `base_url` defaults to `JURIST_URL` (else http://127.0.0.1:8080),
    `api_key` to `JURIST_API_KEY` (sent as `authorization: Bearer <key>`). `timeout_ms` is every
    call's deadline, sent as `x-jurist-timeout-ms` so the gateway cancels the engine calls when
    it passes; the socket waits a few seconds longer for Jurist's own 504. Answers 503 and 504,
    and 429 with a Retry-After, are retried as `retry` says (Retry-After honoured, bounded); any
    other failure raises JuristError.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        api_key: Optional[str] = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        retry: Optional[RetryPolicy] = None,
        priority: Optional[str] = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("JURIST_URL") or DEFAULT_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("JURIST_API_KEY") or None
        self.timeout_ms = timeout_ms
        self.retry = retry or RetryPolicy()
        self.priority = priority

    def pairwise(
        self,
        question: str,
        responses: Sequence[str],
        *,
        images: Optional[Sequence[ImageValue]] = None,
        mode: Optional[str] = None,
        swap: Optional[bool] = None,
        rubric: Optional[str] = None,
        checkpoint: Optional[str] = None,
        seed: Optional[int] = None,
        cache: Optional[bool] = None,
        collect: Optional[bool] = None,
        timeout_ms: Optional[int] = None,
    ) -> Verdict:
        """`POST /v1/judge/pairwise`: which of two responses (A, B) answers `question` better."""
        body = pairwise_item(
            question, responses, images=images, mode=mode, swap=swap, rubric=rubric,
            checkpoint=checkpoint, seed=seed, cache=cache, collect=collect,
        )
        return cast(Verdict, self._post("/v1/judge/pairwise", body, timeout_ms))

    def batch(self, items: Sequence[Mapping[str, Any]], *, timeout_ms: Optional[int] = None) -> BatchAnswer:
        """`POST /v1/judge/batch`: 1–256 pairwise items (build them with `pairwise_item`); each
        result is a verdict or that item's own error, in request order."""
        return cast(BatchAnswer, self._post("/v1/judge/batch", {"items": list(items)}, timeout_ms))

    def reward(
        self,
        question: str,
        candidates: Sequence[str],
        *,
        images: Optional[Sequence[ImageValue]] = None,
        reference: Optional[str] = None,
        method: Optional[str] = None,
        mode: Optional[str] = None,
        checkpoint: Optional[str] = None,
        timeout_ms: Optional[int] = None,
    ) -> RewardAnswer:
        """`POST /v1/reward`: 2–16 candidates scored against `reference`, or by a round robin."""
        body: Dict[str, Any] = {"question": question, "candidates": list(candidates)}
        if images:
            body["images"] = image_refs(images)
        _put(body, reference=reference, method=method, mode=mode, checkpoint=checkpoint)
        return cast(RewardAnswer, self._post("/v1/reward", body, timeout_ms))

    def get_reward(
        self,
        queries: Sequence[str],
        prompts: Sequence[str],
        labels: Optional[Sequence[Any]] = None,
        *,
        images: Optional[Sequence[Sequence[ImageValue]]] = None,
        timeout_ms: Optional[int] = None,
    ) -> GetRewardAnswer:
        """`POST /get_reward`, OpenRLHF's shape: each query is its prompt followed by the response,
        judged against its label. Labels are sent as strings (a number becomes its text, None
        an empty string, which fails that item); `images` is Jurist's extension, one list per item.
        """
        body: Dict[str, Any] = {"query": list(queries), "prompts": list(prompts)}
        if labels is not None:
            body["labels"] = [label_text(label) for label in labels]
        if images is not None:
            body["images"] = [image_refs(item) for item in images]
        return cast(GetRewardAnswer, self._post("/get_reward", body, timeout_ms))

    def _post(self, path: str, body: Mapping[str, Any], timeout_ms: Optional[int]) -> Dict[str, Any]:
        deadline_ms = timeout_ms if timeout_ms is not None else self.timeout_ms
        headers = {"x-jurist-timeout-ms": str(int(deadline_ms))}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        if self.priority:
            headers["x-jurist-priority"] = self.priority
        return post_json(
            self.base_url + path,
            body,
            headers=headers,
            timeout_s=deadline_ms / 1000 + SOCKET_SLACK_S,
            retry=self.retry,
        )


def pairwise_item(
    question: str,
    responses: Sequence[str],
    *,
    images: Optional[Sequence[ImageValue]] = None,
    mode: Optional[str] = None,
    swap: Optional[bool] = None,
    rubric: Optional[str] = None,
    checkpoint: Optional[str] = None,
    seed: Optional[int] = None,
    cache: Optional[bool] = None,
    collect: Optional[bool] = None,
) -> Dict[str, Any]:
    """One `/v1/judge/pairwise` body, also an item of `/v1/judge/batch`."""
    body: Dict[str, Any] = {"question": question, "responses": list(responses)}
    if images:
        body["images"] = image_refs(images)
    _put(body, mode=mode, swap=swap, rubric=rubric, checkpoint=checkpoint, seed=seed, cache=cache, collect=collect)
    return body


def label_text(label: Any) -> str:
    """OpenRLHF labels come from any dataset column: numbers are sent as their text (`3`, not
    `3.0`, for an integral float), a dict or list as its JSON (as the gateway encodes an object
    label, not Python's repr), None as "" (Jurist then reports that item as unlabelled)."""
    if label is None:
        return ""
    if isinstance(label, bool):
        return str(label).lower()
    if isinstance(label, float) and math.isfinite(label) and label.is_integer():
        return str(int(label))
    if isinstance(label, (dict, list, tuple)):
        # JSON.stringify's form: no spaces, characters as they are.
        return json.dumps(label, ensure_ascii=False, separators=(",", ":"), default=str)
    return label if isinstance(label, str) else str(label)


def _put(body: Dict[str, Any], **fields: Any) -> None:
    for name, value in fields.items():
        if value is not None:
            body[name] = value


__all__: List[str] = ["JuristClient", "pairwise_item", "label_text", "DEFAULT_URL"]
