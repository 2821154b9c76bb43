"""Chatwoot's webhook: agent replies and "resolved" reach the shopper through the desk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.desk import Escalation, HandoffDesk
from handoff.store import Store
from handoff.tickets import Ticket
from tests.handoff.conftest import Clock, FakeRasa, make_desk

CHATWOOT = {
    "backends": {
        "helpdesk": {
            "type": "chatwoot",
            "base_url": "http://127.0.0.1:9",
            "account_id": 1,
            "inbox_id": 3,
        }
    }
}
URL = "/api/backends/helpdesk/webhook?token=inbound-secret"


def chatwoot_message(text: str, agent: str = "Maija", conversation: int = 42) -> dict[str, Any]:
    return {
        "event": "message_created",
        "message_type": "outgoing",
        "private": False,
        "content": text,
        "sender": {"id": 1, "name": agent, "type": "user"},
        "conversation": {"id": conversation, "display_id": conversation, "inbox_id": 3},
        "inbox": {"id": 3},
    }


def helpdesk_ticket(desk: HandoffDesk) -> Ticket:
    """The ticket Chatwoot knows as conversation 42."""
    ticket = desk.ticket_at_helpdesk("helpdesk", "42")
    assert ticket is not None
    return ticket


@pytest.fixture
def chatwoot_desk(
    store: Store, fake_rasa: FakeRasa, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> HandoffDesk:
    monkeypatch.setenv("FAQBOT_INBOUND_TOKEN", "inbound-secret")
    desk = make_desk(store, fake_rasa, clock, backend="helpdesk", **CHATWOOT)
    ticket_id = desk.escalate(Escalation("c1", "socketio", "sv", "explicit_request")).ticket_id
    store.update_ticket(ticket_id, external_id="42")
    return desk


@pytest.fixture
def chatwoot(chatwoot_desk: HandoffDesk) -> Iterator[TestClient]:
    with TestClient(create_app(chatwoot_desk.settings, chatwoot_desk, background=False)) as client:
        yield client


def test_chatwoot_agent_reply_and_resolved_reach_the_shopper(
    chatwoot: TestClient, fake_rasa: FakeRasa
) -> None:
    assert chatwoot.post(URL, json=chatwoot_message("Hej, Maija här!")).json() == {"result": "sent"}
    sent = fake_rasa.events_for("c1")[-1]
    assert sent["text"] == "Hej, Maija här!" and sent["metadata"]["agent"] == "Maija"
    resolved = {
        "event": "conversation_status_changed",
        "status": "resolved",
        "id": 42,
        "inbox_id": 3,
    }
    assert chatwoot.post(URL, json=resolved).json() == {"result": "closed"}
    assert {"event": "resume"} in fake_rasa.events_for("c1")
    assert chatwoot.post(URL, json=chatwoot_message("late")).json()["result"] == "ignored"


def test_first_chatwoot_answer_claims_and_says_who_joined(
    chatwoot: TestClient, chatwoot_desk: HandoffDesk, fake_rasa: FakeRasa
) -> None:
    chatwoot.post(URL, json=chatwoot_message("Hej, Maija här!"))
    slot, joined, reply = fake_rasa.events_for("c1")
    assert slot == {"event": "slot", "name": "handoff", "value": "active"}
    assert joined["text"] == chatwoot_desk.text("utter_agent_joined", "sv", agent="Maija")
    assert joined["metadata"] == {"handoff": "active", "agent": "Maija", "language": "sv"}
    assert reply["text"] == "Hej, Maija här!"
    ticket = helpdesk_ticket(chatwoot_desk)
    assert (ticket.status, ticket.agent) == ("active", "Maija") and ticket.claimed_at is not None
    lines = [(m.sender, m.author) for m in chatwoot_desk.store.messages(ticket.id)]
    assert lines[-2:] == [("system", "Maija"), ("agent", "Maija")]


def test_a_colleague_at_the_helpdesk_takes_the_chat_over(
    chatwoot: TestClient, chatwoot_desk: HandoffDesk, fake_rasa: FakeRasa
) -> None:
    chatwoot.post(URL, json=chatwoot_message("Hej!"))
    before = len(fake_rasa.appended)
    assert chatwoot.post(URL, json=chatwoot_message("Jag tar över.", agent="Olle")).json() == {
        "result": "sent"
    }
    [taken_over] = fake_rasa.appended[before:]  # no second "joined" message
    assert taken_over[1][0]["metadata"]["agent"] == "Olle"
    assert helpdesk_ticket(chatwoot_desk).agent == "Olle"


def test_chatwoot_webhook_needs_the_token(chatwoot: TestClient) -> None:
    response = chatwoot.post(
        "/api/backends/helpdesk/webhook?token=wrong", json=chatwoot_message("x")
    )
    assert response.status_code == 401


def test_unknown_backend_and_other_events(chatwoot: TestClient) -> None:
    assert (
        chatwoot.post(
            "/api/backends/partner/webhook?token=inbound-secret", json=chatwoot_message("x")
        ).status_code
        == 404
    )
    assert chatwoot.post(URL, json={"event": "webwidget_triggered"}).json() == {"result": "ignored"}
    other = chatwoot.post(URL, json=chatwoot_message("x", conversation=7)).json()
    assert other == {"result": "ignored", "reason": "no open ticket for this conversation"}
