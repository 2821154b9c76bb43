"""The conversations API with a real database and a recording fake Rasa (no servers started)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from handoff.app import status_for
from handoff.desk import HandoffDesk
from handoff.errors import (
    AuthError,
    HandoffError,
    InvalidTransition,
    MessengerError,
    RasaUnavailable,
    StorageError,
    UnknownConversation,
)
from tests.handoff.api.conftest import escalate
from tests.handoff.conftest import FakeRasa


def test_changes_need_the_csrf_token(desk: HandoffDesk, anna: TestClient) -> None:
    ticket_id = escalate(desk)
    token = anna.headers.pop("X-CSRF-Token")
    assert anna.post(f"/api/conversations/{ticket_id}/claim").status_code == 403
    anna.headers["X-CSRF-Token"] = token
    assert anna.post(f"/api/conversations/{ticket_id}/claim").status_code == 200


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


def test_overflow_tickets_are_claimed_only_by_the_partner(
    desk: HandoffDesk, anna: TestClient, partner: TestClient
) -> None:
    ticket_id = escalate(desk)
    desk.store.update_ticket(ticket_id, status="overflow")
    refused = anna.post(f"/api/conversations/{ticket_id}/claim")
    assert refused.status_code == 409 and "overflow partner" in refused.json()["detail"]
    claimed = partner.post(f"/api/conversations/{ticket_id}/claim")
    assert claimed.status_code == 200 and claimed.json()["status"] == "active"


def test_rasa_down_is_a_clear_503(desk: HandoffDesk, anna: TestClient, fake_rasa: FakeRasa) -> None:
    ticket_id = escalate(desk)
    fake_rasa.down = True
    response = anna.post(f"/api/conversations/{ticket_id}/claim")
    assert response.status_code == 503 and "does not answer" in response.json()["detail"]


def test_integration_token_replies_and_closes(
    desk: HandoffDesk, fake_rasa: FakeRasa, partner: TestClient
) -> None:
    ticket_id = escalate(desk)
    sent = partner.post(
        f"/api/conversations/{ticket_id}/reply", json={"text": "Hei!", "agent": "Partner Pia"}
    )
    assert sent.status_code == 200 and sent.json()["author"] == "Partner Pia"
    assert fake_rasa.events_for("c1")[-1]["metadata"]["agent"] == "Partner Pia"
    assert partner.post(f"/api/conversations/{ticket_id}/close").json()["status"] == "closed"
    partner.headers["Authorization"] = "Bearer wrong"
    assert partner.get("/api/conversations").status_code == 401


def test_handoff_errors_answer_with_their_status() -> None:
    assert [
        status_for(error("x"))
        for error in (
            UnknownConversation,
            InvalidTransition,
            AuthError,
            RasaUnavailable,
            StorageError,
            MessengerError,
            HandoffError,
        )
    ] == [404, 409, 401, 503, 503, 502, 500]
