"""HTTP for the client: one JSON POST with a deadline, bounded retries and Jurist's errors.

Standard library only (urllib), so the client installs anywhere a trainer runs. Each call opens
its own connection: urllib's opener is safe to use from the many threads verl and OpenRLHF call
reward functions from.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from .errors import CLIENT_TIMEOUT, CONNECTION_FAILED, INVALID_RESPONSE, JuristError, error_from_body

# Retried: the fleet is busy or restarting (503 OVERLOADED, NO_HEALTHY_REPLICA, STORE_UNAVAILABLE)
# or the engine missed the deadline (504 UPSTREAM_TIMEOUT). Not retried: 504 DEADLINE_TOO_SHORT,
# which Jurist answers before any engine call because the request cannot fit its deadline at the
# fleet's pace; the same request sent again would be refused again (docs/reward-and-rlhf.md).
RETRIED_STATUSES = frozenset({503, 504})
NOT_RETRIED_CODES = frozenset({"DEADLINE_TOO_SHORT"})
# 429 RATE_LIMITED: the key's per-minute budget is spent; Jurist sends Retry-After (the seconds
# left in the window). Retried only with one, when it fits `max_wait_s` like any other wait:
# without it the client cannot know when the budget comes back.
RATE_LIMITED_STATUS = 429
# Slack over the server-side deadline before the socket gives up, so Jurist's own 504 (with its
# code) arrives rather than a bare client timeout.
SOCKET_SLACK_S = 5.0


@dataclass
class RetryPolicy:
    """At most `max_retries` retries; each waits the answer's `Retry-After` (seconds) when it has
    one, else `backoff_s` doubled per attempt; a wait longer than `max_wait_s` is not made: the
    error is raised at once (waiting less than the server asked would only be refused again)."""

    max_retries: int = 3
    backoff_s: float = 0.5
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def wait_before(self, attempt: int, retry_after_s: Optional[float]) -> Optional[float]:
        """Seconds to wait before retry number `attempt` (1-based), or None to give up."""
        if attempt > self.max_retries:
            return None
        wait = retry_after_s if retry_after_s is not None else self.backoff_s * 2 ** (attempt - 1)
        return wait if wait <= self.max_wait_s else None


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """`Retry-After` in seconds; Jurist sends whole seconds. An HTTP date is not used by Jurist
    and reads as absent (the backoff applies)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def post_json(
    url: str,
    body: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    timeout_s: float,
    retry: RetryPolicy,
) -> Dict[str, Any]:
    """POSTs `body` as JSON to `url` and returns the decoded JSON answer. Raises JuristError."""
    data = json.dumps(body).encode("utf-8")
    attempt = 0
    while True:
        attempt += 1
        try:
            return _post_once(url, data, headers, timeout_s)
        except JuristError as error:
            error.attempts = attempt
            if not _retryable(error):
                raise
            wait = retry.wait_before(attempt, error.retry_after_s)
            if wait is None:
                raise
            retry.sleep(wait)


def _retryable(error: JuristError) -> bool:
    if error.code == CONNECTION_FAILED:
        return True  # a gateway restarting behind its address
    if error.status == RATE_LIMITED_STATUS:
        return error.retry_after_s is not None
    return error.status in RETRIED_STATUSES and error.code not in NOT_RETRIED_CODES


def _post_once(url: str, data: bytes, headers: Mapping[str, str], timeout_s: float) -> Dict[str, Any]:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"content-type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            raw = response.read()
    except urllib.error.HTTPError as answer:
        raw_error = answer.read()
        retry_after = parse_retry_after(answer.headers.get("retry-after"))
        raise error_from_body(answer.code, raw_error, retry_after) from None
    except (socket.timeout, TimeoutError) as timeout:
        raise JuristError(CLIENT_TIMEOUT, f"no answer from {url} within {timeout_s:g} s") from timeout
    except urllib.error.URLError as failure:
        if isinstance(failure.reason, (socket.timeout, TimeoutError)):
            raise JuristError(CLIENT_TIMEOUT, f"no answer from {url} within {timeout_s:g} s") from failure
        raise JuristError(CONNECTION_FAILED, f"{url}: {failure.reason}") from failure
    except (ConnectionError, http.client.HTTPException) as failure:
        raise JuristError(CONNECTION_FAILED, f"{url}: {failure!r}") from failure
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as failure:
        raise JuristError(INVALID_RESPONSE, f"{url} answered 2xx with a body that is not JSON") from failure
    if not isinstance(decoded, dict):
        raise JuristError(INVALID_RESPONSE, f"{url} answered 2xx with JSON that is not an object")
    return decoded

