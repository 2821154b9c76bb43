from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import TypeAdapter, ValidationError

from handoff.backends import BackendConfig, WebhookConfig, build_backend
from handoff.backends.webhook import WebhookBackend, encode, sign, verify
from handoff.errors import BackendError, HandoffConfigError

SECRET = "s3cret-for-tests"

PAYLOAD = {
    "event": "handoff.requested",
    "ticket": {
        "id": 12,
        "conversation_id": "abc123def456",
        "channel": "socketio",
        "language": "fi",
        "status": "overflow",
        "reason": "explicit_request",
        "created_at": "2026-11-23T21:40:00+00:00",
        "email": None,
        "question": None,
        "external_id": None,
        "faq_candidates": [{"id": "return_period", "score": 0.87}],
        "transcript": [
            {"sender": "shopper", "text": "Missä pakettini on?", "at": "2026-11-23T21:39:00+00:00"},
            {
                "sender": "bot",
                "text": "Välitän sinut asiakaspalveluun.",
                "at": "2026-11-23T21:39:01+00:00",
            },
        ],
    },
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the local webhook receiver got, and how it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "11")
            self.end_headers()
            self.wfile.write(b'{"ok":true}')

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/faqbot"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_WEBHOOK_SECRET", SECRET)


def backend_for(url: str, timeout: float = 5.0) -> WebhookBackend:
    config = WebhookConfig.model_validate(
        {
            "type": "webhook",
            "url": url,
            "secret_env": "FAQBOT_WEBHOOK_SECRET",
            "timeout_seconds": timeout,
        }
    )
    backend = build_backend("shop-hook", config)
    assert isinstance(backend, WebhookBackend)
    return backend


def test_posts_signed_compact_json(receiver: Receiver) -> None:
    result = backend_for(receiver.url).deliver("handoff.requested", PAYLOAD, delivery_id="faqbot-7")

    assert result.external_id is None
    [got] = receiver.received
    assert got.path == "/hooks/faqbot"
    assert got.body == encode(PAYLOAD)
    assert json.loads(got.body) == PAYLOAD
    assert b", " not in got.body and b": " not in got.body  # compact
    assert "Missä pakettini on?".encode() in got.body  # UTF-8, not \u escapes
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Faqbot-Event"] == "handoff.requested"
    assert got.headers["X-Faqbot-Delivery"] == "faqbot-7"
    signature = got.headers["X-Faqbot-Signature"]
    assert signature.startswith("sha256=")
    assert verify(got.body, SECRET, signature)
    assert not verify(got.body, "another-secret", signature)
    assert not verify(got.body.replace(b"overflow", b"waiting"), SECRET, signature)


def test_sign_and_verify() -> None:
    body = b'{"a":1}'
    signature = sign(body, SECRET)
    assert len(signature) == len("sha256=") + 64
    assert verify(body, SECRET, signature)
    assert not verify(body, SECRET, None)
    assert not verify(body, SECRET, "")
    assert not verify(body, SECRET, signature.removeprefix("sha256="))
    assert not verify(body, SECRET, "sha256=ö" + signature[8:])  # non-ASCII does not crash


@pytest.mark.parametrize("status", [200, 202, 204])
def test_any_2xx_is_delivered(receiver: Receiver, status: int) -> None:
    receiver.status = status
    backend_for(receiver.url).deliver("handoff.closed", PAYLOAD, delivery_id="d1")
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (400, False), (404, False), (410, False)],
)
def test_error_statuses(receiver: Receiver, status: int, retryable: bool) -> None:
    receiver.status = status
    with pytest.raises(BackendError) as caught:
        backend_for(receiver.url).deliver("handoff.message", PAYLOAD, delivery_id="d2")
    assert caught.value.retryable is retryable
    assert str(status) in str(caught.value)
    assert len(receiver.received) == 1  # one attempt, no retries here


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BackendError) as caught:
        backend_for(f"http://127.0.0.1:{port}/hook").deliver(
            "handoff.requested", PAYLOAD, delivery_id="d3"
        )
    assert caught.value.retryable


def test_timeout_is_retryable(receiver: Receiver) -> None:
    receiver.delay = 0.6
    with pytest.raises(BackendError) as caught:
        backend_for(receiver.url, timeout=0.2).deliver(
            "handoff.requested", PAYLOAD, delivery_id="d4"
        )
    assert caught.value.retryable


@pytest.mark.parametrize("value", [None, ""])
def test_missing_secret_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("FAQBOT_WEBHOOK_SECRET")
    else:
        monkeypatch.setenv("FAQBOT_WEBHOOK_SECRET", value)
    with pytest.raises(HandoffConfigError, match="FAQBOT_WEBHOOK_SECRET"):
        backend_for("http://127.0.0.1:9/hook")


def test_config_is_discriminated_and_strict() -> None:
    adapter: TypeAdapter[BackendConfig] = TypeAdapter(BackendConfig)
    config = adapter.validate_python(
        {"type": "webhook", "url": "https://example.com/hook", "secret_env": "HOOK_SECRET"}
    )
    assert isinstance(config, WebhookConfig)
    assert config.timeout_seconds == 5
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "webhook", "url": "https://example.com/hook"})
    with pytest.raises(ValidationError):
        adapter.validate_python(
            {"type": "webhook", "url": "https://x.example", "secret_env": "S", "secret": "inline"}
        )
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "zendesk", "url": "https://x.example"})
