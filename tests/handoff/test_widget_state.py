"""What the web chat widget learns from the desk's messages: handoff state, agent, rating."""

from __future__ import annotations

from handoff.rasa import bot_message
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk
from tests.handoff.test_desk import online, request

RATING = ['/rate{"rating":"up"}', '/rate{"rating":"down"}']


def test_claim_says_the_state_and_who_joined(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request("c1", language="en")).ticket_id
    desk.claim(ticket_id, "anna")
    _, joined = fake_rasa.events_for("c1")
    # about the agent, but written by the bot: no "from"
    assert joined["metadata"] == {"handoff": "active", "agent": "anna", "language": "en"}


def test_hand_back_asks_the_satisfaction_question(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request("c1", language="fi")).ticket_id
    desk.claim(ticket_id, "anna")
    desk.close(ticket_id, "anna")
    events = fake_rasa.appended[-1][1]
    back = next(e for e in events if e["event"] == "bot")
    assert back["metadata"] == {"handoff": "none", "language": "fi"}
    assert "olen taas täällä" in back["text"] and back["text"].endswith("?")
    assert [b["payload"] for b in back["data"]["buttons"]] == RATING
    assert all(b["title"] for b in back["data"]["buttons"])
    # a later goodbye does not ask again
    assert {"event": "slot", "name": "satisfaction_asked", "value": True} in events


def test_bot_message_metadata_and_buttons() -> None:
    assert bot_message("hi") == {"event": "bot", "text": "hi"}
    assert bot_message("Hei!", agent="anna") == {
        "event": "bot",
        "text": "Hei!",
        "metadata": {"agent": "anna", "from": "agent"},
    }
    button = {"title": "Yes", "payload": "/affirm"}
    assert bot_message("Ok?", buttons=[button], metadata={"handoff": "none"}) == {
        "event": "bot",
        "text": "Ok?",
        "metadata": {"handoff": "none"},
        "data": {"buttons": [button]},
    }
