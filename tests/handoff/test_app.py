"""The HTTP API with a real database and a recording fake Rasa (no servers started)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.auth import hash_password
from handoff.desk import Escalation, HandoffDesk
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk

PASSWORD = "a long password"


@pytest.fixture
def desk(
    store: Store, fake_rasa: FakeRasa, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> HandoffDesk:
    monkeypatch.setenv("FAQBOT_HANDOFF_API_TOKEN", "integration-token")
    for name in ("anna", "bertil"):
        store.add_agent(name, hash_password(PASSWORD))
    return make_desk(store, fake_rasa, clock, when_no_agent_online="queue")


def client_for(desk: HandoffDesk, agent: str | None = "anna") -> TestClient:
    client = TestClient(create_app(desk.settings, desk, background=False))
    if agent:
        response = client.post("/api/login", json={"name": agent, "password": PASSWORD})
        assert response.status_code == 200
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


@pytest.fixture
def anna(desk: HandoffDesk) -> Iterator[TestClient]:
    with client_for(desk) as client:
        yield client


def escalate(desk: HandoffDesk, conversation: str = "c1") -> int:
    return desk.escalate(Escalation(conversation, "rest", "fi", "explicit_request")).ticket_id


def test_login_cookie_is_httponly_and_strict(desk: HandoffDesk) -> None:
    with TestClient(create_app(desk.settings, desk, background=False)) as client:
        response = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie


def test_changes_need_the_csrf_token(desk: HandoffDesk, anna: TestClient) -> None:
    ticket_id = escalate(desk)
    token = anna.headers.pop("X-CSRF-Token")
    assert anna.post(f"/api/conversations/{ticket_id}/claim").status_code == 403
    anna.headers["X-CSRF-Token"] = token
    assert anna.post(f"/api/conversations/{ticket_id}/claim").status_code == 200


def test_logins_are_throttled_after_repeated_failures(desk: HandoffDesk) -> None:
    with TestClient(create_app(desk.settings, desk, background=False)) as client:
        codes = [
            client.post("/api/login", json={"name": "anna", "password": "wrong"}).status_code
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        right = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        assert right.status_code == 429


def test_unknown_ticket_is_404_and_unknown_status_422(anna: TestClient) -> None:
    assert anna.get("/api/conversations/999").status_code == 404
    assert anna.get("/api/conversations?status=lost").status_code == 422


def test_agents_cannot_write_as_someone_else(desk: HandoffDesk, anna: TestClient) -> None:
    ticket_id = escalate(desk)
    note = anna.post(f"/api/conversations/{ticket_id}/note", json={"text": "x", "agent": "bertil"})
    assert note.json()["author"] == "anna"


def test_another_agents_chat_cannot_be_closed(desk: HandoffDesk, anna: TestClient) -> None:
    ticket_id = escalate(desk)
    desk.claim(ticket_id, "bertil")
    response = anna.post(f"/api/conversations/{ticket_id}/close")
    assert response.status_code == 409 and "bertil" in response.json()["detail"]


def test_rasa_down_is_a_clear_503(desk: HandoffDesk, anna: TestClient, fake_rasa: FakeRasa) -> None:
    ticket_id = escalate(desk)
    fake_rasa.down = True
    response = anna.post(f"/api/conversations/{ticket_id}/claim")
    assert response.status_code == 503 and "does not answer" in response.json()["detail"]


def test_integration_token_replies_and_closes(desk: HandoffDesk, fake_rasa: FakeRasa) -> None:
    ticket_id = escalate(desk)
    with client_for(desk, agent=None) as partner:
        partner.headers["Authorization"] = "Bearer integration-token"
        sent = partner.post(
            f"/api/conversations/{ticket_id}/reply", json={"text": "Hei!", "agent": "Partner Pia"}
        )
        assert sent.status_code == 200 and sent.json()["author"] == "Partner Pia"
        assert fake_rasa.events_for("c1")[-1]["metadata"]["agent"] == "Partner Pia"
        assert partner.post(f"/api/conversations/{ticket_id}/close").json()["status"] == "closed"
        partner.headers["Authorization"] = "Bearer wrong"
        assert partner.get("/api/conversations").status_code == 401


def test_console_files_carry_security_headers(anna: TestClient) -> None:
    for path in ("/", "/static/console.js", "/api/session"):
        response = anna.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
