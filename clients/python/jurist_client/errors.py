"""The one exception the client raises, carrying Jurist's stable error code."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

# Codes the client itself uses when Jurist never answered with an error body of its own.
# Jurist's own codes are its catalogue (docs/api.md, "Errors").
CONNECTION_FAILED = "CONNECTION_FAILED"
CLIENT_TIMEOUT = "CLIENT_TIMEOUT"
INVALID_RESPONSE = "INVALID_RESPONSE"


class JuristError(Exception):
    """A call that failed: `code` is Jurist's `error.code` (e.g. `OVERLOADED`,
    `DEADLINE_TOO_SHORT`, `INVALID_REQUEST`) or one of the client's own
    (`CONNECTION_FAILED`, `CLIENT_TIMEOUT`, `INVALID_RESPONSE`) when no Jurist error body came back.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        details: Optional[List[Mapping[str, Any]]] = None,
        retry_after_s: Optional[float] = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(f"{code}: {message}" + (f" (HTTP {status})" if status else ""))
        self.code = code
        self.message = message
        self.status = status
        self.details: List[Mapping[str, Any]] = list(details or [])
        self.retry_after_s = retry_after_s
        self.attempts = attempts


def error_from_body(status: int, body: bytes, retry_after_s: Optional[float]) -> JuristError:
    """The JuristError for a non-2xx answer: Jurist's `{ "error": { code, message, details } }`
    when the body is one, else a generic code naming the HTTP status (a proxy's HTML page)."""
    import json

    try:
        parsed = json.loads(body.decode("utf-8"))
        error = parsed["error"]
        return JuristError(
            str(error["code"]),
            str(error.get("message", "")),
            status=status,
            details=error.get("details"),
            retry_after_s=retry_after_s,
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        text = body[:200].decode("utf-8", "replace")
        return JuristError(
            INVALID_RESPONSE,
            f"HTTP {status} without a Jurist error body: {text!r}",
            status=status,
            retry_after_s=retry_after_s,
        )
