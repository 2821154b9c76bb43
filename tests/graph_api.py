"""A local HTTP server standing in for Facebook's Graph API (the Send API), for tests.

It records every request (path, query, JSON body) and answers with scripted replies; the
default answer is what the Send API returns for a delivered message. :meth:`GraphApi.hold`
keeps a request unanswered until the test releases it.
"""

from __future__ import annotations

import json
import queue
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
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


class Hold:
    """A request the Graph API keeps unanswered until :meth:`release` (:meth:`GraphApi.hold`)."""

    def __init__(self, matches: Callable[[dict[str, Any]], bool]) -> None:
        self.matches = matches
        self.released = threading.Event()
        self._arrived = threading.Event()
        self._request: Received | None = None
        self._connection: socket.socket | None = None

    def held(self, request: Received, connection: socket.socket) -> None:
        """Called by the server: ``request`` arrived on ``connection`` and is now held."""
        self._request, self._connection = request, connection
        self._arrived.set()

    def wait(self, timeout: float = 60.0) -> Received:
        """The held request, once it has arrived."""
        if not self._arrived.wait(timeout) or self._request is None:
            raise AssertionError(f"no request to hold arrived within {timeout} s")
        return self._request

    def client_waiting(self) -> bool:
        """Whether the client still waits for the answer (has not closed the connection,
        as a client does when it gives up, e.g. on its timeout)."""
        connection = self._connection
        if connection is None or self.released.is_set():
            return False
        try:
            readable, _, _ = select.select([connection], [], [], 0)
            return not readable or connection.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def release(self) -> None:
        """Answer the held request (as scripted, by default 200)."""
        self.released.set()


class GraphApi:
    """Records Send API requests; ``script`` sets the answers of the next requests, ``default``
    the answer of every other one."""

    def __init__(self, default: Reply = Reply()) -> None:
        self.default = default
        self.received: queue.Queue[Received] = queue.Queue()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._holds: list[Hold] = []  # waiting for their request
        self._every_hold: list[Hold] = []
        self._count = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else {}
                request = Received(parts.path, dict(parse_qsl(parts.query)), body)
                hold = outer._take_hold(body)
                if hold is not None:
                    hold.held(request, self.connection)
                outer.received.put(request)
                if hold is not None:
                    hold.released.wait()
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
        """Answer the next requests with ``replies``, in order (then ``default`` again)."""
        with self._lock:
            self._replies.extend(replies)

    def hold(self, matches: Callable[[dict[str, Any]], bool] = lambda body: True) -> Hold:
        """Keep the next request whose JSON body ``matches`` unanswered until released."""
        hold = Hold(matches)
        with self._lock:
            self._holds.append(hold)
            self._every_hold.append(hold)
        return hold

    def _take_hold(self, body: dict[str, Any]) -> Hold | None:
        with self._lock:
            for hold in self._holds:
                if hold.matches(body):
                    self._holds.remove(hold)
                    return hold
        return None

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else self.default

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
        """Release delayed and held answers and stop the server."""
        self._closing.set()
        with self._lock:
            for hold in self._every_hold:
                hold.release()
        self.server.shutdown()
        self.server.server_close()
