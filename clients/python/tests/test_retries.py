"""Retries, Retry-After and error codes against a scripted stand-in (a healthy gateway does not
answer 503 on demand). Answers are shaped as Jurist sends them (docs/api.md, "Errors")."""

from __future__ import annotations

import socket
import unittest
from typing import List

from jurist_client import JuristClient, JuristError, RetryPolicy

from .support import RecordingProxy

OK = {"scores": [0.5, -0.5], "ranking": [0, 1], "failures": [], "method": "round_robin"}


def overloaded(code: str = "OVERLOADED") -> dict:
    return {"error": {"code": code, "message": "every eligible replica is at its limit"}}


class RetryTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = RecordingProxy().__enter__()
        self.addCleanup(self.proxy.__exit__)
        self.sleeps: List[float] = []
        self.client = JuristClient(self.proxy.url, api_key="", retry=RetryPolicy(max_retries=2, sleep=self.sleeps.append))

    def test_503_waits_its_retry_after_then_succeeds(self) -> None:
        self.proxy.script(503, overloaded(), {"retry-after": "2"})
        self.proxy.script(200, OK)
        answer = self.client.reward("Q?", ["a", "b"])
        self.assertEqual(answer["scores"], [0.5, -0.5])
        self.assertEqual(self.sleeps, [2.0])
        self.assertEqual(len(self.proxy.requests), 2)
        self.assertEqual(self.proxy.requests[0].body, self.proxy.requests[1].body, "the same request is sent again")

    def test_504_without_retry_after_backs_off_exponentially(self) -> None:
        self.proxy.script(504, overloaded("UPSTREAM_TIMEOUT"))
        self.proxy.script(504, overloaded("UPSTREAM_TIMEOUT"))
        self.proxy.script(200, OK)
        self.client.reward("Q?", ["a", "b"])
        self.assertEqual(self.sleeps, [0.5, 1.0])

    def test_retries_are_bounded_and_the_error_keeps_the_code(self) -> None:
        for _ in range(3):
            self.proxy.script(503, overloaded("NO_HEALTHY_REPLICA"), {"retry-after": "1"})
        with self.assertRaises(JuristError) as raised:
            self.client.reward("Q?", ["a", "b"])
        self.assertEqual(raised.exception.code, "NO_HEALTHY_REPLICA")
        self.assertEqual(raised.exception.status, 503)
        self.assertEqual(raised.exception.attempts, 3)
        self.assertEqual(self.sleeps, [1.0, 1.0])

    def test_a_retry_after_longer_than_the_bound_is_not_waited(self) -> None:
        self.proxy.script(503, overloaded(), {"retry-after": "120"})
        with self.assertRaises(JuristError) as raised:
            self.client.reward("Q?", ["a", "b"])
        self.assertEqual(raised.exception.retry_after_s, 120.0)
        self.assertEqual(self.sleeps, [])
        self.assertEqual(len(self.proxy.requests), 1)

    def test_429_is_retried_after_its_retry_after_when_it_fits(self) -> None:
        # Jurist's rate limit answer: 429 RATE_LIMITED with the seconds left in the window.
        limited = {"error": {"code": "RATE_LIMITED", "message": "rate limit of 60 verdicts per minute exceeded; retry in 7 s"}}
        self.proxy.script(429, limited, {"retry-after": "7"})
        self.proxy.script(200, OK)
        self.assertEqual(self.client.reward("Q?", ["a", "b"])["scores"], [0.5, -0.5])
        self.assertEqual(self.sleeps, [7.0])
        self.assertEqual(len(self.proxy.requests), 2)

    def test_429_beyond_max_wait_or_without_retry_after_is_raised(self) -> None:
        limited = {"error": {"code": "RATE_LIMITED", "message": "rate limit exceeded"}}
        self.proxy.script(429, limited, {"retry-after": "45"})  # over max_wait_s (30)
        self.proxy.script(429, limited)
        for expected_retry_after in (45.0, None):
            with self.assertRaises(JuristError) as raised:
                self.client.reward("Q?", ["a", "b"])
            self.assertEqual((raised.exception.code, raised.exception.status), ("RATE_LIMITED", 429))
            self.assertEqual(raised.exception.retry_after_s, expected_retry_after)
        self.assertEqual(self.sleeps, [])
        self.assertEqual(len(self.proxy.requests), 2)

    def test_deadline_too_short_and_4xx_are_not_retried(self) -> None:
        self.proxy.script(504, overloaded("DEADLINE_TOO_SHORT"))
        self.proxy.script(400, {"error": {"code": "INVALID_REQUEST", "message": "bad", "details": [{"path": "candidates", "reason": "x"}]}})
        with self.assertRaises(JuristError) as first:
            self.client.reward("Q?", ["a", "b"])
        with self.assertRaises(JuristError) as second:
            self.client.reward("Q?", ["a", "b"])
        self.assertEqual(first.exception.code, "DEADLINE_TOO_SHORT")
        self.assertEqual(second.exception.code, "INVALID_REQUEST")
        self.assertEqual(second.exception.details[0]["path"], "candidates")
        self.assertEqual(self.sleeps, [])
        self.assertEqual(len(self.proxy.requests), 2)

    def test_a_body_that_is_not_jurists_is_invalid_response(self) -> None:
        self.proxy.script(502, b"<html>Bad Gateway</html>")
        with self.assertRaises(JuristError) as raised:
            self.client.reward("Q?", ["a", "b"])
        self.assertEqual((raised.exception.code, raised.exception.status), ("INVALID_RESPONSE", 502))

    def test_an_unreachable_gateway_is_retried_then_connection_failed(self) -> None:
        with socket.socket() as spare:  # a loopback port nobody listens on
            spare.bind(("127.0.0.1", 0))
            port = spare.getsockname()[1]
        client = JuristClient(f"http://127.0.0.1:{port}", retry=RetryPolicy(max_retries=1, sleep=self.sleeps.append))
        with self.assertRaises(JuristError) as raised:
            client.reward("Q?", ["a", "b"])
        self.assertEqual(raised.exception.code, "CONNECTION_FAILED")
        self.assertEqual(raised.exception.attempts, 2)

    def test_headers_carry_the_key_the_deadline_and_the_priority(self) -> None:
        self.proxy.script(200, OK)
        JuristClient(self.proxy.url, api_key="jur_test", timeout_ms=1234, priority="batch").reward("Q?", ["a", "b"])
        headers = self.proxy.requests[0].headers
        self.assertEqual(headers["authorization"], "Bearer jur_test")
        self.assertEqual(headers["x-jurist-timeout-ms"], "1234")
        self.assertEqual(headers["x-jurist-priority"], "batch")
        self.assertEqual(headers["content-type"], "application/json")


if __name__ == "__main__":
    unittest.main()
