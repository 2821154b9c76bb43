"""Shopper messages read from Rasa's SQL event broker table after a persisted cursor."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from handoff.background import RasaSync
from handoff.broker import BrokerReader, events
from handoff.config import load_handoff_settings
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import BrokerUnavailable, StorageError
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk

_LATER = itertools.count(1)


class CountingRasa(FakeRasa):
    """Counts tracker reads (what the broker replaces)."""

    def __init__(self) -> None:
        super().__init__()
        self.tracker_reads: list[str] = []

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        self.tracker_reads.append(conversation_id)
        return super().tracker(conversation_id)


class RasaBroker:
    """Writes rows as Rasa's SQLEventBroker.publish does (its table, one row per event)."""

    def __init__(self, url: str) -> None:
        self.reader = BrokerReader(url)
        with self.reader.engine.begin() as conn:
            events.drop(conn, checkfirst=True)
        events.metadata.create_all(self.reader.engine)

    def publish(self, sender: str, event: dict[str, Any]) -> None:
        body = {"sender_id": sender, **event}
        with self.reader.engine.begin() as conn:
            conn.execute(events.insert().values(sender_id=sender, data=json.dumps(body)))

    def said(self, sender: str, text: str) -> dict[str, Any]:
        """A shopper message (a second later each: tickets are stamped by the real clock)."""
        event = {"event": "user", "text": text, "timestamp": time.time() + next(_LATER)}
        self.publish(sender, event)
        return event

    def rows(self) -> list[int]:
        with self.reader.engine.begin() as conn:
            return list(conn.execute(sa.select(events.c.id).order_by(events.c.id)).scalars())


@pytest.fixture
def broker(db_url: str) -> Iterator[RasaBroker]:
    made = RasaBroker(db_url)
    yield made
    made.reader.engine.dispose()


@pytest.fixture
def rasa() -> CountingRasa:
    return CountingRasa()


def queued(desk: HandoffDesk, conversation: str) -> int:
    return desk.escalate(Escalation(conversation, "rest", "fi", "explicit_request")).ticket_id


def texts(store: Store, ticket_id: int) -> list[str]:
    return [m.text for m in store.messages(ticket_id)]


def test_waiting_shoppers_messages_reach_their_tickets_without_reading_trackers(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    tickets = {name: queued(desk, name) for name in ("c1", "c2", "c3")}
    rasa.tracker_reads.clear()  # escalating reads the earlier sessions; the sync must not
    broker.said("c1", "onko siellä ketään?")
    broker.said("stranger", "no ticket here")
    broker.publish("c2", {"event": "bot", "text": "odota hetki", "timestamp": time.time() + 99})
    broker.said("c2", "hej, finns ni där?")
    broker.publish("c3", {"event": "slot", "name": "handoff", "value": "queued"})
    broker.said("c1", "\U0001f600 still here\ud800")
    stored = desk.sync_from_broker(broker.reader)
    assert len(stored) == 3
    assert texts(store, tickets["c1"]) == ["onko siellä ketään?", "\U0001f600 still here\ufffd"]
    assert texts(store, tickets["c2"]) == ["hej, finns ni där?"]
    assert texts(store, tickets["c3"]) == []
    assert rasa.tracker_reads == []
    broker.said("c3", "hello?")
    desk.sync_from_broker(broker.reader)  # only the new row; nothing stored twice
    assert texts(store, tickets["c1"]) == ["onko siellä ketään?", "\U0001f600 still here\ufffd"]
    assert texts(store, tickets["c3"]) == ["hello?"]


def test_only_paused_open_tickets_get_the_lines(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock)  # nobody online: offline tickets, not paused
    offline = queued(desk, "c1")
    queue = make_desk(store, rasa, clock, when_no_agent_online="queue")
    waiting = queued(queue, "c2")
    queue.close(waiting, by=None, integration=True)
    broker.said("c1", "my email is x@example.com")
    broker.said("c2", "thanks, bye")
    assert queue.sync_from_broker(broker.reader) == []
    assert texts(store, offline) == []
    assert "thanks, bye" not in texts(store, waiting)


def test_a_restart_resumes_from_the_cursor_without_loss_or_duplicates(
    db_url: str, store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    broker.said("c1", "first")
    desk.sync_from_broker(broker.reader)
    broker.said("c1", "second (while the service is down)")
    restarted_store = Store(db_url)
    restarted = make_desk(restarted_store, rasa, clock, when_no_agent_online="queue")
    restarted.sync_from_broker(BrokerReader(db_url))
    restarted.sync_from_broker(BrokerReader(db_url))
    assert texts(store, ticket) == ["first", "second (while the service is down)"]
    restarted_store.engine.dispose()


def test_a_failed_pass_stores_nothing_and_the_next_one_everything_once(
    store: Store,
    broker: RasaBroker,
    rasa: CountingRasa,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    broker.said("c1", "one")
    broker.said("c1", "two")
    real = store.set_cursor

    def fails(name: str, position: int) -> None:
        raise StorageError("database error: the disk is full")

    monkeypatch.setattr(store, "set_cursor", fails)
    with pytest.raises(StorageError):
        desk.sync_from_broker(broker.reader)
    assert texts(store, ticket) == []  # the lines went with the cursor: rolled back
    monkeypatch.setattr(store, "set_cursor", real)
    desk.sync_from_broker(broker.reader)
    desk.sync_from_broker(broker.reader)
    assert texts(store, ticket) == ["one", "two"]


def test_a_line_read_by_both_the_broker_and_a_tracker_reconcile_is_stored_once(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    line = broker.said("c1", "same line")
    rasa.trackers["c1"] = [line]
    desk.sync_from_rasa()
    desk.sync_from_broker(broker.reader)
    assert texts(store, ticket) == ["same line"]


def test_read_rows_are_deleted_and_new_rows_still_come_after_the_cursor(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    for text in ("a", "b", "c"):
        broker.said("c1", text)
    desk.sync_from_broker(broker.reader)
    assert len(broker.rows()) == 1  # the last one keeps SQLite numbering after it
    broker.said("c1", "d")
    desk.sync_from_broker(broker.reader)
    assert texts(store, ticket) == ["a", "b", "c", "d"]


def test_read_rows_are_kept_when_something_else_reads_the_table(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(
        store, rasa, clock, when_no_agent_online="queue", sync={"delete_read_events": False}
    )
    queued(desk, "c1")
    for text in ("a", "b"):
        broker.said("c1", text)
    desk.sync_from_broker(broker.reader)
    assert len(broker.rows()) == 2


def test_a_replaced_broker_table_is_read_from_its_start(
    db_url: str, store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    for text in ("a", "b", "c"):
        broker.said("c1", text)
    desk.sync_from_broker(broker.reader)
    replaced = RasaBroker(db_url)  # a new, empty table: its ids start at 1 again
    replaced.said("c1", "after the new table")
    for _ in range(2):
        desk.sync_from_broker(replaced.reader)
    assert texts(store, ticket) == ["a", "b", "c", "after the new table"]
    replaced.reader.engine.dispose()


def test_a_row_that_is_not_json_is_skipped_and_the_rest_read(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    with broker.reader.engine.begin() as conn:
        conn.execute(events.insert().values(sender_id="c1", data="{not json"))
    broker.said("c1", "after the bad row")
    desk.sync_from_broker(broker.reader)
    assert texts(store, ticket) == ["after the bad row"]


def test_a_missing_table_is_reported_as_an_unavailable_broker(tmp_path: Any) -> None:
    reader = BrokerReader(f"sqlite:///{tmp_path / 'events.db'}")
    with pytest.raises(BrokerUnavailable, match="event broker table"):
        reader.read(0)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_sync_reads_trackers_slowly_while_the_broker_table_does_not_answer(
    store: Store, rasa: CountingRasa, clock: Clock, tmp_path: Any
) -> None:
    desk = make_desk(
        store,
        rasa,
        clock,
        when_no_agent_online="queue",
        sync={"reconcile_minutes": 0, "fallback_seconds": 10},
    )
    queued(desk, "c1")
    rasa.tracker_reads.clear()
    rasa.trackers["c1"] = [{"event": "user", "text": "hi?", "timestamp": time.time() + 60}]
    ticks = Ticks()
    sync = RasaSync(desk, BrokerReader(f"sqlite:///{tmp_path / 'nothing-here.db'}"), ticks)
    sync.run_once()
    sync.run_once()  # within fallback_seconds: no second read
    assert rasa.tracker_reads == ["c1"]
    ticks.now += 10
    sync.run_once()
    assert rasa.tracker_reads == ["c1", "c1"]
    assert [m.text for m in store.messages(1)] == ["hi?"]


def test_the_sync_reconciles_trackers_at_start_and_then_every_few_minutes(
    store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(
        store, rasa, clock, when_no_agent_online="queue", sync={"reconcile_minutes": 5}
    )
    queued(desk, "c1")
    rasa.tracker_reads.clear()
    ticks = Ticks()
    sync = RasaSync(desk, broker.reader, ticks)
    sync.run_once()
    assert rasa.tracker_reads == ["c1"]
    ticks.now += 299
    sync.run_once()
    assert rasa.tracker_reads == ["c1"]
    ticks.now += 1
    sync.run_once()
    assert rasa.tracker_reads == ["c1", "c1"]


def test_the_broker_url_comes_from_the_environment(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "handoff.yml"
    config.write_text("sync: {event_broker_url: 'sqlite:///state/events.db'}\n")
    assert load_handoff_settings(config).sync.event_broker_url == (
        f"sqlite:///{tmp_path / 'state/events.db'}"
    )
    monkeypatch.setenv("FAQBOT_EVENT_BROKER_URL", "none")
    assert load_handoff_settings(config).sync.event_broker_url is None
    monkeypatch.setenv("FAQBOT_EVENT_BROKER_URL", "postgresql://u@db/rasa")
    assert load_handoff_settings(config).sync.event_broker_url == "postgresql://u@db/rasa"


def test_reading_waits_at_a_missing_id_until_it_is_committed_or_long_gone(
    db_url: str, store: Store, broker: RasaBroker, rasa: CountingRasa, clock: Clock
) -> None:
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    ticket = queued(desk, "c1")
    ticks = Ticks()
    reader = BrokerReader(db_url, gap_seconds=10, clock=ticks)

    def row(row_id: int, text: str) -> None:  # as two Rasa processes commit out of order
        body = {"sender_id": "c1", "event": "user", "text": text, "timestamp": time.time() + row_id}
        with reader.engine.begin() as conn:
            conn.execute(events.insert().values(id=row_id, sender_id="c1", data=json.dumps(body)))

    row(1, "a")
    desk.sync_from_broker(reader)
    row(3, "c")
    desk.sync_from_broker(reader)
    assert texts(store, ticket) == ["a"]  # 2 is missing: not read past yet
    row(2, "b")  # committed late
    desk.sync_from_broker(reader)
    assert texts(store, ticket) == ["a", "b", "c"]
    row(5, "e")  # 4 was rolled back: never comes
    desk.sync_from_broker(reader)
    ticks.now += 10
    desk.sync_from_broker(reader)
    assert texts(store, ticket) == ["a", "b", "c", "e"]
    reader.engine.dispose()
