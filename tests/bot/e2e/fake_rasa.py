"""A stand-in for Rasa's REST channel: canned replies per message text, on a free local port."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Replies = dict[str, list[dict[str, Any]]]  # message text -> the REST channel's JSON reply


@contextmanager
def fake_rasa(replies: Replies, status: int = 200, body: bytes | None = None) -> Iterator[str]:
    """Serve ``replies`` at ``/webhooks/rest/webhook``; yields the base URL.

    ``status`` and ``body`` replace every answer (a server that is not Rasa's REST channel).
    """
    senders: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            message = json.loads(self.rfile.read(length))
            senders.append(message["sender"])
            answer = body
            if answer is None:
                answer = json.dumps(replies.get(message["message"], [])).encode()
            code = status if self.path == "/webhooks/rest/webhook" else 404
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
