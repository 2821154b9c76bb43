"""A local SMS gateway for tests: takes JSON POSTs with a bearer token and keeps them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "sms-test-token-1234"


@dataclass
class SmsState:
    """Messages received, and statuses to answer before accepting (e.g. [503])."""

    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    refused: int = 0  # requests answered with an error


@contextmanager
def sms_server() -> Iterator[SmsState]:
    """Run the gateway on a free local port while the block runs."""
    state = SmsState()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                state.refused += 1
                return self._send(401, {"error": "bad token"})
            if state.fail_with:
                state.refused += 1
                return self._send(state.fail_with.pop(0), {"error": "try later"})
            state.messages.append(json.loads(body))
            self._send(202, {"id": len(state.messages)})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
