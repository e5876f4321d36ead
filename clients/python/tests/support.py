"""Test helpers: the live gateway's address, a recording proxy in front of it (or a scripted
stand-in for answers a healthy gateway does not give), and real PNG bytes without PIL."""

from __future__ import annotations

import json
import os
import struct
import threading
import unittest
import urllib.error
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple


def live_url() -> str:
    """The gateway the tap test started (JURIST_URL); without one the live tests skip, and the
    tap test fails on any skip."""
    url = os.environ.get("JURIST_URL")
    if not url:
        raise unittest.SkipTest("JURIST_URL is not set: no live gateway (run through test/contracts/clients)")
    return url.rstrip("/")


def png_bytes(red: int, green: int, blue: int, size: int = 2) -> bytes:
    """A valid `size`×`size` RGB PNG of one colour."""
    row = b"\x00" + bytes((red, green, blue)) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class FakePilImage:
    """What a Hugging Face image column decodes to, a PIL image, as far as a reward function
    touches it: `save(fp, format=...)` (PIL is not installed here)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.saves = 0

    def save(self, fp: Any, format: Optional[str] = None) -> None:
        assert format == "PNG", format
        self.saves += 1
        fp.write(self.data)


Scripted = Tuple[int, Dict[str, str], bytes]


class Recorded:
    def __init__(self, path: str, headers: Dict[str, str], body: Any, status: int, answer: Any) -> None:
        self.path = path
        self.headers = headers
        self.body = body
        self.status = status
        self.answer = answer


class RecordingProxy:
    """An HTTP server on loopback that records every POST (path, headers, JSON body, answer).
    A queued scripted answer is sent instead of forwarding; otherwise the request goes to
    `upstream` (the live gateway) and its answer comes back unchanged."""

    def __init__(self, upstream: Optional[str] = None) -> None:
        self.upstream = upstream
        self.requests: List[Recorded] = []
        self.scripted: List[Scripted] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with proxy._lock:
                    script = proxy.scripted.pop(0) if proxy.scripted else None
                if script is None:
                    status, answer_headers, answer = proxy._forward(self.path, headers, raw)
                else:
                    status, answer_headers, answer = script
                with proxy._lock:
                    proxy.requests.append(Recorded(self.path, headers, json.loads(raw), status, _json_or_none(answer)))
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _forward(self, path: str, headers: Dict[str, str], raw: bytes) -> Scripted:
        assert self.upstream, "no scripted answer left and no upstream to forward to"
        keep = {k: v for k, v in headers.items() if k in ("content-type", "authorization") or k.startswith("x-jurist-")}
        request = urllib.request.Request(self.upstream + path, data=raw, method="POST", headers=keep)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, {"content-type": "application/json"}, response.read()
        except urllib.error.HTTPError as error:
            kept = {"content-type": "application/json"}
            if error.headers.get("retry-after"):
                kept["retry-after"] = error.headers["retry-after"]
            return error.code, kept, error.read()

    def script(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.scripted.append((status, {"content-type": "application/json", **(headers or {})}, raw))

    def paths(self) -> List[str]:
        return [r.path for r in self.requests]

    def __enter__(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
