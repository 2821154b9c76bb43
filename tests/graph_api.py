"""A local HTTP server standing in for Facebook's Graph API (the Send API), for tests.

It records every request (path, query, JSON body) and answers with scripted replies; the
default answer is what the Send API returns for a delivered message.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Received:
    """One request the Graph API got."""

    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """What the Graph API answers to one request (after ``delay`` seconds)."""

    status: int = 200
    body: dict[str, Any] | None = None
    delay: float = 0.0


class GraphApi:
    """Records Send API requests; ``script`` sets the answers of the next requests."""

    def __init__(self) -> None:
        self.received: queue.Queue[Received] = queue.Queue()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._count = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else {}
                outer.received.put(Received(parts.path, dict(parse_qsl(parts.query)), body))
                reply = outer._next_reply()
                if reply.delay:
                    outer._closing.wait(reply.delay)
                answer = json.dumps(
                    reply.body
                    if reply.body is not None
                    else {
                        "recipient_id": body.get("recipient", {}).get("id"),
                        "message_id": f"m_{outer._next_id()}",
                    }
                ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the client gave up waiting (timeout tests)
                    pass

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The base URL to use as ``FACEBOOK_GRAPH_URL``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (then 200 again)."""
        with self._lock:
            self._replies.extend(replies)

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else Reply()

    def _next_id(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def take(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The next ``count`` requests, waiting up to ``timeout`` seconds in all."""
        deadline = time.monotonic() + timeout
        taken = []
        for _ in range(count):
            remaining = max(0.0, deadline - time.monotonic())
            try:
                taken.append(self.received.get(timeout=remaining))
            except queue.Empty:
                raise AssertionError(
                    f"the Graph API got {len(taken)} of {count} requests within {timeout} s: "
                    f"{taken}"
                ) from None
        return taken

    def messages(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The next ``count`` Send API *messages*, skipping sender actions (typing, seen)."""
        deadline = time.monotonic() + timeout
        found: list[Received] = []
        while len(found) < count:
            remaining = deadline - time.monotonic()
            try:
                request = self.received.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(
                    f"the Graph API got {len(found)} of {count} messages within {timeout} s: "
                    f"{found}"
                ) from None
            if "message" in request.body:
                found.append(request)
        return found

    def drain(self) -> list[Received]:
        """Everything received so far and not taken yet."""
        drained = []
        while True:
            try:
                drained.append(self.received.get_nowait())
            except queue.Empty:
                return drained

    def close(self) -> None:
        """Release delayed answers and stop the server."""
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
