from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import Sender
from handoff.desk import Escalation
from handoff.errors import InvalidTransition, RasaUnavailable
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def request(conversation: str = "c1", language: str = "fi", **extra: object) -> Escalation:
    values: dict[str, object] = {
        "conversation_id": conversation,
        "channel": "socketio",
        "language": language,
        "reason": "explicit_request",
        "candidates": [{"id": "return_period", "score": 0.84}],
        "transcript": [("shopper", "Missä tilaukseni on?", T0), ("bot", "Hetki...", T0)],
        "events_seen": 7,
        **extra,
    }
    return Escalation(**values)  # type: ignore[arg-type]


def online(store: Store, name: str = "anna") -> None:
    store.add_agent(name, "scrypt$x")
    store.touch_agent(name, at=T0)


def test_queue_positions_and_expected_wait(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    first, second = desk.escalate(request("c1")), desk.escalate(request("c2"))
    assert (first.status, first.position, first.wait_minutes) == ("queued", 1, 3)
    assert (second.status, second.position, second.wait_minutes) == ("queued", 2, 6)
    ticket = store.ticket(first.ticket_id)
    assert ticket.language == "fi" and ticket.channel == "socketio" and ticket.paused
    assert ticket.candidates == [{"id": "return_period", "score": 0.84}]
    assert [m.text for m in store.messages(ticket.id)] == ["Missä tilaukseni on?", "Hetki..."]


def test_asking_twice_keeps_one_ticket(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    first = desk.escalate(request("c1"))
    again = desk.escalate(request("c1"))
    assert again.already_open and again.ticket_id == first.ticket_id
    assert len(store.list_tickets()) == 1


def test_expected_wait_comes_from_recent_history(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    for index, minutes in enumerate([8, 10, 12]):
        outcome = desk.escalate(request(f"old{index}"))
        store.update_ticket(
            outcome.ticket_id,
            status="closed",
            created_at=T0 - timedelta(minutes=minutes),
            claimed_at=T0,
        )
    assert desk.escalate(request("new")).wait_minutes == 10


def test_outside_hours_goes_offline_with_the_next_opening(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    clock.now = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # Friday 19:30 in Helsinki
    desk = make_desk(store, fake_rasa, clock)
    outcome = desk.escalate(request())
    assert outcome.status == "offline"
    assert outcome.back_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 9:00
    assert not store.ticket(outcome.ticket_id).paused


def test_no_agent_online_goes_offline_or_queues_as_configured(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    offline = make_desk(store, fake_rasa, clock).escalate(request("c1"))
    assert offline.status == "offline" and offline.back_at is None
    queued = make_desk(store, fake_rasa, clock, when_no_agent_online="queue").escalate(
        request("c2")
    )
    assert queued.status == "queued"


def test_leave_contact_adds_email_and_question(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock)
    outcome = desk.escalate(request())
    ticket = desk.leave_contact("c1", "matti@example.fi", "Onko takkia kokoa L?")
    assert ticket.email == "matti@example.fi" and ticket.question == "Onko takkia kokoa L?"
    assert store.messages(outcome.ticket_id)[-1].text == "Onko takkia kokoa L?"
    assert store.list_tickets()[0].id == outcome.ticket_id  # offline tickets come first
    with pytest.raises(InvalidTransition):
        desk.leave_contact("unknown", "a@b.fi", "?")


PARTNER = {
    "backends": {"partner": {"type": "webhook", "url": "http://127.0.0.1:9/x", "secret_env": "S"}}
}


def test_long_queue_overflows_to_the_partner(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    desk = make_desk(
        store, fake_rasa, clock, overflow={"backend": "partner", "max_queue": 1}, **PARTNER
    )
    assert desk.escalate(request("c1")).status == "queued"
    overflow = desk.escalate(request("c2"))
    assert overflow.status == "overflow" and store.ticket(overflow.ticket_id).paused
    [item] = store.due_deliveries(clock.now)
    assert (item.backend, item.event) == ("partner", "handoff.requested")
    assert item.payload["ticket"]["conversation_id"] == "c2"
    assert item.payload["ticket"]["transcript"][0]["text"] == "Missä tilaukseni on?"


def test_long_expected_wait_overflows(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    online(store)
    settings = {"overflow": {"backend": "partner", "max_queue": 99, "max_wait_minutes": 4}}
    desk = make_desk(store, fake_rasa, clock, **settings, **PARTNER)
    assert desk.escalate(request("c1")).status == "queued"  # 3 min
    assert desk.escalate(request("c2")).status == "overflow"  # would be 6 min


def test_partner_takes_over_outside_own_hours_only_when_it_is_open(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday
    weekend_partner = {"timezone": "Europe/Helsinki", "sat": ["10:00-18:00"]}
    desk = make_desk(
        store,
        fake_rasa,
        clock,
        overflow={"backend": "partner", "hours": weekend_partner},
        **PARTNER,
    )
    assert desk.escalate(request("c1")).status == "overflow"
    clock.now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # Saturday 22:00: partner closed too
    assert desk.escalate(request("c2")).status == "offline"


def test_claim_reply_note_close(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request("c1", language="sv")).ticket_id
    desk.claim(ticket_id, "anna")
    slot, joined = fake_rasa.events_for("c1")
    assert slot == {"event": "slot", "name": "handoff", "value": "active"}
    assert (
        joined["event"] == "bot" and "anna" in joined["text"] and "kundtjänsten" in joined["text"]
    )
    with pytest.raises(InvalidTransition, match="anna"):
        desk.claim(ticket_id, "bertil")
    with pytest.raises(InvalidTransition):
        desk.reply(ticket_id, "bertil", "hej")
    desk.reply(ticket_id, "anna", "Hej, jag hjälper dig gärna!")
    assert fake_rasa.events_for("c1")[-1] == {
        "event": "bot",
        "text": "Hej, jag hjälper dig gärna!",
        "metadata": {"agent": "anna", "from": "agent"},
    }
    before = len(fake_rasa.appended)
    desk.note(ticket_id, "anna", "asiakas haluaa hyvityksen")
    assert len(fake_rasa.appended) == before  # notes never reach the shopper
    closed = desk.close(ticket_id, "anna")
    assert closed.status == "closed" and not closed.paused
    last = fake_rasa.appended[-1][1]
    assert last[:3] == [
        {"event": "resume"},
        {"event": "action", "name": "action_listen"},
        {"event": "slot", "name": "handoff", "value": None},
    ]
    assert last[3]["event"] == "bot" and "jag är här igen" in last[3]["text"]
    senders = [m.sender for m in store.messages(ticket_id)]
    assert senders == ["shopper", "bot", "system", "agent", "note", "system"]
    payload = desk.payload(closed, "handoff.closed")
    assert all(line["sender"] != "note" for line in payload["ticket"]["transcript"])


def test_claim_is_undone_when_rasa_is_down(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request()).ticket_id
    fake_rasa.down = True
    with pytest.raises(RasaUnavailable):
        desk.claim(ticket_id, "anna")
    assert store.ticket(ticket_id).status == "queued"
    with pytest.raises(RasaUnavailable):
        desk.close(ticket_id)
    assert store.ticket(ticket_id).status == "queued"


def test_offline_ticket_is_answered_by_email(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request()).ticket_id
    desk.leave_contact("c1", "matti@example.fi", "Onko takkia kokoa L?")
    desk.claim(ticket_id, "anna")
    assert fake_rasa.appended == []  # the shopper is not waiting in the chat
    with pytest.raises(InvalidTransition, match=re.escape("matti@example.fi")):
        desk.reply(ticket_id, "anna", "Hei!")
    desk.close(ticket_id, "anna")
    assert fake_rasa.appended == []


def test_shopper_messages_while_waiting_are_kept(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    ticket_id = desk.escalate(request(events_seen=2)).ticket_id
    escalated = clock.now.timestamp()
    old = [
        {"event": "user", "text": "ennen", "timestamp": escalated - 5},
        {"event": "bot", "text": "...", "timestamp": escalated - 4},
    ]
    fake_rasa.trackers["c1"] = [
        *old,
        {"event": "user", "text": "Tilausnumero 100234", "timestamp": escalated + 10},
    ]
    assert [m.text for m in desk.sync_from_rasa()] == ["Tilausnumero 100234"]
    assert desk.sync_from_rasa() == []  # read once
    later = {"event": "user", "text": "Oletko siellä?", "timestamp": escalated + 20}
    fake_rasa.trackers["c1"].append(later)
    assert [m.text for m in desk.sync_from_rasa()] == ["Oletko siellä?"]
    texts = [m.text for m in store.messages(ticket_id) if m.sender == "shopper"]
    assert texts[-2:] == ["Tilausnumero 100234", "Oletko siellä?"]


def test_messages_are_new_by_time_whatever_sessions_the_tracker_holds(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    # the escalating action saw only the current session (3 events); Rasa's tracker has them all
    online(store)
    desk = make_desk(store, fake_rasa, clock)
    escalated = clock.now.timestamp()
    earlier_session = [
        {"event": "user", "text": f"vanha {n}", "timestamp": escalated - 600 + n} for n in range(20)
    ]
    current = [
        {"event": "session_started", "timestamp": escalated - 30},
        {"event": "user", "text": "haluan ihmisen", "timestamp": escalated - 1},
        {"event": "bot", "text": "Hetki", "timestamp": escalated},
    ]
    transcript: list[tuple[Sender, str, datetime]] = [
        ("shopper", "haluan ihmisen", datetime.fromtimestamp(escalated - 1, tz=UTC))
    ]
    ticket_id = desk.escalate(request(events_seen=3, transcript=transcript)).ticket_id
    fake_rasa.trackers["c1"] = [*earlier_session, *current]
    assert desk.sync_from_rasa() == []  # nothing old comes back as new
    fake_rasa.trackers["c1"].append({"event": "user", "text": "no?", "timestamp": escalated + 5})
    assert [m.text for m in desk.sync_from_rasa()] == ["no?"]
    shopper = [m.text for m in store.messages(ticket_id) if m.sender == "shopper"]
    assert shopper == ["haluan ihmisen", "no?"]


def test_state_survives_a_new_store_on_the_same_database(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    make_desk(store, fake_rasa, clock).escalate(request("c1"))
    reopened = Store(store.url)
    [ticket] = reopened.list_tickets()
    assert ticket.conversation_id == "c1" and ticket.status == "queued" and ticket.paused
    reopened.engine.dispose()


# who may do what ----------------------------------------------------------------------------


def test_overflow_tickets_are_claimed_only_by_an_integration(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    ticket_id = desk.escalate(request()).ticket_id
    store.update_ticket(ticket_id, status="overflow")
    with pytest.raises(InvalidTransition, match="overflow partner"):
        desk.claim(ticket_id, "anna")
    assert store.ticket(ticket_id).status == "overflow" and fake_rasa.appended == []
    claimed = desk.claim(ticket_id, "Partner Pia", integration=True)
    assert (claimed.status, claimed.agent) == ("active", "Partner Pia")


def test_an_agent_cannot_close_another_agents_chat(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    ticket_id = desk.escalate(request()).ticket_id
    desk.claim(ticket_id, "anna")
    with pytest.raises(InvalidTransition, match="handled by anna"):
        desk.close(ticket_id, by="bertil")
    assert store.ticket(ticket_id).status == "active"
    assert desk.close(ticket_id, by="bertil", integration=True).status == "closed"


def test_an_integration_reply_claims_the_chat_first(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    ticket_id = desk.escalate(request("c1", language="en")).ticket_id
    with pytest.raises(InvalidTransition, match="claim it first"):
        desk.reply(ticket_id, "Partner Pia", "Hello!")
    desk.reply(ticket_id, "Partner Pia", "Hello!", integration=True)
    slot, joined, reply = fake_rasa.events_for("c1")
    assert slot["value"] == "active" and "Partner Pia" in joined["text"]
    assert reply["text"] == "Hello!" and reply["metadata"]["agent"] == "Partner Pia"
    assert store.ticket(ticket_id).agent == "Partner Pia"


def test_an_integration_does_not_take_another_agents_chat(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    ticket_id = desk.escalate(request()).ticket_id
    desk.claim(ticket_id, "anna")
    with pytest.raises(InvalidTransition, match="handled by anna"):
        desk.reply(ticket_id, "Partner Pia", "Hei!", integration=True)


def test_agents_online_counts_recent_consoles(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock)
    assert desk.agents_online() == 0
    online(store, "anna")
    online(store, "bertil")
    assert desk.agents_online() == 2
    clock.now += timedelta(seconds=desk.settings.agent_online_seconds + 1)
    assert desk.agents_online() == 0


def test_the_agent_gets_the_earlier_sessions_before_the_current_one(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    online(store)
    now = datetime.now(tz=UTC)
    stored = [
        {"event": "user", "text": "paljonko toimitus maksaa?", "timestamp": now.timestamp() - 900},
        {"event": "bot", "text": "4,90 €", "timestamp": now.timestamp() - 899},
        {"event": "session_started", "timestamp": now.timestamp() - 60},
        {"event": "user", "text": "kiitos", "timestamp": now.timestamp() - 50},  # this session
    ]
    fake_rasa.trackers["c1"] = stored
    transcript: list[tuple[Sender, str, datetime]] = [
        ("shopper", "kiitos", now - timedelta(seconds=50)),
        ("shopper", "haluan ihmisen", now),
    ]
    ticket_id = make_desk(store, fake_rasa, clock).escalate(request(transcript=transcript))
    lines = [(m.sender, m.text) for m in store.messages(ticket_id.ticket_id)]
    assert lines == [
        ("shopper", "paljonko toimitus maksaa?"),
        ("bot", "4,90 €"),
        ("shopper", "kiitos"),
        ("shopper", "haluan ihmisen"),
    ]


def test_without_rasa_the_ticket_has_the_current_session(store: Store, clock: Clock) -> None:
    class Down(FakeRasa):
        def tracker(self, conversation_id: str) -> dict[str, object]:
            raise RasaUnavailable("Rasa at fake does not answer")

    online(store)
    transcript: list[tuple[Sender, str, datetime]] = [("shopper", "haluan ihmisen", T0)]
    outcome = make_desk(store, Down(), clock).escalate(request(transcript=transcript))
    assert [m.text for m in store.messages(outcome.ticket_id)] == ["haluan ihmisen"]
