"""Request bodies over the limit get 413 on every endpoint, before parsing or token checks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.desk import HandoffDesk
from tests.handoff.api.conftest import PASSWORD, client_for, escalate

LIMIT = 64 * 1024


def _post_routes(desk: HandoffDesk) -> list[str]:
    document = create_app(desk.settings, desk, background=False).openapi()
    paths = [
        path.replace("{ticket_id}", "1").replace("{name}", "chatwoot")
        for path, operations in document["paths"].items()
        if set(operations) & {"post", "put", "patch"}
    ]
    assert len(paths) >= 7  # login, logout, claim, reply, note, close, webhook
    return paths


def test_a_declared_length_over_the_limit_is_refused_on_every_endpoint(
    desk: HandoffDesk,
) -> None:
    escalate(desk)
    body = json.dumps({"text": "x" * (2 * 1024 * 1024)})
    with client_for(desk, agent=None) as anonymous:
        for path in _post_routes(desk):
            response = anonymous.post(
                path, content=body, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 413, path
            assert "too large" in response.json()["detail"], path
            assert response.headers["x-frame-options"] == "DENY"


def test_an_oversized_login_is_refused_before_the_password_is_checked(
    desk: HandoffDesk,
) -> None:
    with client_for(desk, agent=None) as client:
        padded = {"name": "anna", "password": PASSWORD, "pad": "x" * LIMIT}
        for _ in range(10):  # never login attempts, so never failures that throttle
            assert client.post("/api/login", json=padded).status_code == 413
        right = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        assert right.status_code == 200


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    yield b'{"text": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(anna: TestClient) -> None:
    desk: HandoffDesk = anna.app.state.desk  # type: ignore[attr-defined]
    ticket_id = escalate(desk)
    anna.post(f"/api/conversations/{ticket_id}/claim")
    response = anna.post(
        f"/api/conversations/{ticket_id}/note",
        content=_chunks(4 * LIMIT),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert [m.text for m in desk.store.messages(ticket_id) if m.sender == "note"] == []


def test_a_chunked_body_within_the_limit_passes(anna: TestClient) -> None:
    desk: HandoffDesk = anna.app.state.desk  # type: ignore[attr-defined]
    ticket_id = escalate(desk)
    response = anna.post(
        f"/api/conversations/{ticket_id}/note",
        content=iter([b'{"text": ', b'"a short note"}']),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "a short note"


def test_webhooks_have_their_own_larger_limit(
    desk: HandoffDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_INBOUND_TOKEN", "inbound")
    event = {"event": "conversation_updated", "pad": "x" * (2 * LIMIT)}
    with client_for(desk, agent=None) as client:
        response = client.post("/api/backends/chatwoot/webhook?token=inbound", json=event)
        assert response.status_code == 404  # parsed: there is no Chatwoot backend called so
        big = {"event": "conversation_updated", "pad": "x" * (2 * 1024 * 1024)}
        response = client.post("/api/backends/chatwoot/webhook?token=inbound", json=big)
        assert response.status_code == 413
