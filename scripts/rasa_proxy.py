"""A counting HTTP proxy in front of Rasa: how many requests a client (the handoff service) makes.

Standard library only, like scripts/stack.py. Used by tests/integration/test_handoff_broker.py
(to prove the sync reads no trackers) and ``scripts/bench.py handoff-sync``.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_TRACKER = re.compile(r"^/conversations/[^/]+/tracker$")


def kind(method: str, path: str) -> str:
    """``tracker`` for a tracker read, else ``METHOD /path`` without the conversation id."""
    path = path.split("?", 1)[0]
    if method == "GET" and _TRACKER.match(path):
        return "tracker"
    return f"{method} " + re.sub(r"^/conversations/[^/]+/", "/conversations/{id}/", path)


class CountingProxy:
    """Forwards every request to ``target`` and counts them by :func:`kind`."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with outer._lock:
                    outer.counts[kind(self.command, self.path)] += 1
                headers = {"Content-Type": self.headers.get("Content-Type") or "application/json"}
                request = urllib.request.Request(
                    outer.target + self.path, data=body, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                except OSError:
                    status, data = 502, b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def snapshot(self) -> Counter[str]:
        """The counts so far."""
        with self._lock:
            return Counter(self.counts)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
