"""Flood limits of escalations: per conversation, per client and for everyone, in the DB."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.conversation import STATUS_CLOSED
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import TooManyEscalations
from handoff.store import Store, escalation_log
from tests.handoff.conftest import Clock, FakeRasa, make_desk


def _desk(store: Store, fake_rasa: FakeRasa, clock: Clock) -> HandoffDesk:
    return make_desk(store, fake_rasa, clock, when_no_agent_online="queue")


def _ask(desk: HandoffDesk, sender: str, client: str | None = None) -> int:
    request = Escalation(sender, "socketio", "fi", "explicit_request", client=client)
    return desk.escalate(request).ticket_id


def _close(store: Store, ticket_id: int) -> None:
    store.update_ticket(ticket_id, status=STATUS_CLOSED, paused=False)


def test_one_conversation_gets_three_tickets_per_ten_minutes(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = _desk(store, fake_rasa, clock)
    for _ in range(3):
        ticket_id = _ask(desk, "c1")
        assert _ask(desk, "c1") == ticket_id  # asking again keeps the open ticket, uncounted
        _close(store, ticket_id)
        clock.now += timedelta(minutes=1)
    with pytest.raises(TooManyEscalations):
        _ask(desk, "c1")
    assert _ask(desk, "c2")  # another shopper is not affected
    clock.now += timedelta(minutes=8)  # the first of the three is out of the window
    assert _ask(desk, "c1")


def test_one_client_with_ever_new_senders_is_limited(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = _desk(store, fake_rasa, clock)
    for i in range(10):
        _ask(desk, f"random-{i}", client="203.0.113.9")
    with pytest.raises(TooManyEscalations, match=r"203\.0\.113\.9"):
        _ask(desk, "random-10", client="203.0.113.9")
    assert _ask(desk, "shopper", client="198.51.100.7")


def test_a_burst_of_anonymous_senders_stops_at_the_global_guard(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = _desk(store, fake_rasa, clock)
    for i in range(30):
        _ask(desk, f"random-{i}")
    with pytest.raises(TooManyEscalations, match="30 new tickets"):
        _ask(desk, "random-30")
    assert len(store.list_tickets()) == 30
    clock.now += timedelta(seconds=61)
    assert _ask(desk, "random-31")


def test_the_escalation_log_forgets_what_no_window_needs(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = _desk(store, fake_rasa, clock)
    for i in range(20):
        _ask(desk, f"c{i}")
    clock.now += timedelta(minutes=11)
    _ask(desk, "late")
    with store.transaction() as conn:
        senders = [row.sender for row in conn.execute(escalation_log.select())]
    assert senders == ["late"]


def test_every_open_ticket_is_read_from_rasa(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = _desk(store, fake_rasa, clock)
    for i in range(250):
        store.create_ticket(
            conversation_id=f"c{i}",
            channel="socketio",
            language="fi",
            status="queued",
            reason="explicit_request",
            backend="console",
            candidates=[],
            transcript=[],
            events_seen=0,
            paused=True,
        )
        fake_rasa.trackers[f"c{i}"] = [{"event": "user", "text": f"hello {i}"}]
    new = desk.sync_from_rasa()
    assert sorted(m.text for m in new) == sorted(f"hello {i}" for i in range(250))
