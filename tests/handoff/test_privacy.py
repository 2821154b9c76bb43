"""Forgetting a person and the retention period (handoff/privacy.py, Store.forget/purge,
``faqbot privacy``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.conversation import SENDER_AGENT, SENDER_NOTE, SENDER_SHOPPER, STATUS_CLOSED
from bot.shop.attempts import AttemptLimiter, AttemptLimits, Client
from bot.shop.notifications import RestockStore
from bot.shop.order_events import OrderEventStore, OrderSnapshot
from bot.tracker_db import TrackerDatabase
from faqbot import main
from handoff.app import create_app
from handoff.backends.webhook import verify
from handoff.broker import BrokerRecords
from handoff.config import HandoffSettings, PrivacySettings, load_handoff_settings
from handoff.errors import HandoffConfigError, PrivacyError
from handoff.outbox import OutboxWorker
from handoff.privacy import DataStores, Target, forget, parse_target, purge
from handoff.store import EVENT_FORGOTTEN, FORGOTTEN, Store, messages, outbox, utcnow
from handoff.tickets import Ticket
from tests.own_postgres import own_postgres_databases
from tests.tracker_rows import broker_count, chat, drop_events, event_count, publish

__all__ = ["own_postgres_databases"]  # a fixture

NOW = utcnow()
LONG_AGO = NOW - timedelta(days=400)


def make_ticket(
    store: Store,
    conversation: str,
    *,
    email: str | None = None,
    closed_at: datetime | None = NOW,
    at: datetime = NOW,
) -> Ticket:
    """A ticket with a transcript, a note, an agent's reply, an outbox row and a log entry;
    closed at ``closed_at`` (None: still queued)."""
    ticket = store.create_ticket(
        conversation_id=conversation,
        channel="rest",
        language="fi",
        status="queued",
        reason="request_human",
        backend="console",
        candidates=[{"id": "delivery", "score": 0.8}],
        transcript=[(SENDER_SHOPPER, f"hei, olen {conversation}", at)],
        events_seen=3,
        paused=True,
        question=f"missä on tilaukseni, t. {conversation}",
    )
    store.add_message(ticket.id, SENDER_AGENT, "Katson heti!", author="anna", at=at)
    store.add_message(ticket.id, SENDER_NOTE, f"{conversation} soitti myös", author="anna", at=at)
    store.enqueue(ticket.id, "partner", "handoff.requested", {"transcript": ["hei"]}, at=at)
    store.log_escalation(conversation, conversation, at, forget_before=at - timedelta(hours=1))
    values: dict[str, object] = {"email": email, "agent": "anna", "external_id": "ext-1"}
    if closed_at is not None:
        values.update(status=STATUS_CLOSED, closed_at=closed_at, paused=False)
    return store.update_ticket(ticket.id, **values)


def rows(store: Store, table: sa.Table, ticket_id: int) -> int:
    """Rows of ``table`` that belong to the ticket (not counting deletion requests)."""
    query = sa.select(sa.func.count()).select_from(table).where(table.c.ticket_id == ticket_id)
    if table is outbox:
        query = query.where(outbox.c.event != EVENT_FORGOTTEN)
    with store.transaction() as conn:
        return int(conn.execute(query).scalar_one())


def log_rows(store: Store, sender: str) -> int:
    """Escalation-log rows of ``sender``."""
    with store.transaction() as conn:
        return int(
            conn.execute(
                sa.text("SELECT COUNT(*) FROM escalation_log WHERE sender = :s"), {"s": sender}
            ).scalar_one()
        )


def assert_anonymised(store: Store, ticket: Ticket) -> None:
    """Only the statistics remain of the ticket."""
    kept = store.ticket(ticket.id)
    assert kept.conversation_id == FORGOTTEN
    assert (kept.email, kept.question, kept.external_id) == (None, None, None)
    assert (kept.channel, kept.language, kept.reason, kept.agent, kept.status) == (
        "rest",
        "fi",
        "request_human",
        "anna",
        STATUS_CLOSED,
    )
    assert kept.created_at == ticket.created_at and kept.closed_at == ticket.closed_at
    assert rows(store, messages, ticket.id) == 0
    assert rows(store, outbox, ticket.id) == 0


def assert_untouched(store: Store, ticket: Ticket) -> None:
    """The ticket is as it was made."""
    kept = store.ticket(ticket.id)
    assert kept.conversation_id == ticket.conversation_id
    assert kept.question == ticket.question and kept.email == ticket.email
    assert rows(store, messages, ticket.id) == 3
    assert rows(store, outbox, ticket.id) == 1


# --- the handoff store ----------------------------------------------------------------------


def test_store_forget_anonymises_the_conversations_tickets(store: Store) -> None:
    alice = [make_ticket(store, "alice"), make_ticket(store, "alice")]
    bob = make_ticket(store, "bob")
    counts = store.forget({"alice"}, set(), dry_run=True)
    assert counts == {
        "tickets": 2,
        "messages": 6,
        "outbox": 2,
        "escalation_log": 2,
        "notices": 0,
    }
    assert_untouched(store, alice[0])
    assert store.forget({"alice"}, set()) == counts
    for ticket in alice:
        assert_anonymised(store, ticket)
    assert log_rows(store, "alice") == 0
    assert_untouched(store, bob)
    assert log_rows(store, "bob") == 1
    assert store.forget({"alice"}, set()) == dict.fromkeys(counts, 0)  # idempotent


def test_store_forget_by_email_ignores_case(store: Store) -> None:
    matti = make_ticket(store, "c1", email="Matti@Example.fi")
    other = make_ticket(store, "c2", email="liisa@example.fi")
    assert store.conversations_with_email({"matti@example.FI"}) == {"c1"}
    assert store.emails_of({"c1", "c2"}) == {"matti@example.fi", "liisa@example.fi"}
    assert store.forget(set(), {"MATTI@example.fi"})["tickets"] == 1
    assert_anonymised(store, matti)
    assert_untouched(store, other)
    assert store.conversations_with_email({"matti@example.fi"}) == set()


def test_store_forget_leaves_open_tickets_alone(store: Store) -> None:
    waiting = make_ticket(store, "alice", closed_at=None)
    assert store.open_tickets_of({"alice", "bob"}) == [store.ticket(waiting.id)]
    assert store.forget({"alice"}, set())["tickets"] == 0
    assert_untouched(store, waiting)


def test_store_purge_anonymises_only_old_closed_tickets(store: Store) -> None:
    old = make_ticket(store, "old", at=LONG_AGO, closed_at=LONG_AGO)
    old_open = make_ticket(store, "old-open", at=LONG_AGO, closed_at=None)
    recent = make_ticket(store, "recent")
    before = NOW - timedelta(days=365)
    counts = store.purge(before, dry_run=True)
    assert counts["tickets"] == 1 and counts["messages"] == 3 and counts["outbox"] == 1
    assert_untouched(store, old)
    assert store.purge(before) == counts
    assert_anonymised(store, old)
    assert_untouched(store, old_open)
    assert_untouched(store, recent)
    assert store.open_conversations() == {"old-open"}
    again = store.purge(before)
    assert again["tickets"] == again["messages"] == again["outbox"] == 0


# --- every store together -------------------------------------------------------------------


@pytest.fixture
def stores(store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[DataStores]:
    """The handoff store plus Rasa's tracker store and event broker table (on PostgreSQL with
    a PostgreSQL store, as in the scale-out mode: two databases of this test session), and
    sign-ups and attempts in ``tmp_path``."""
    tracker_url, broker_url = f"sqlite:///{tmp_path / 'tracker.db'}", None
    if store.url.startswith("postgresql"):
        database = request.getfixturevalue("own_postgres_databases")
        tracker_url, broker_url = database("tracker"), database("events")
        drop_events(tracker_url)
        drop_events(broker_url)
    made = DataStores(
        handoff=store,
        tracker=TrackerDatabase(tracker_url),
        restock_path=tmp_path / "restock.db",
        attempts_path=tmp_path / "attempts.db",
        orders_path=tmp_path / "orders.db",
        broker=BrokerRecords(broker_url or f"sqlite:///{tmp_path / 'events.db'}"),
    )
    yield made
    made.tracker.dispose()
    if made.broker is not None:
        made.broker.dispose()


def order_of(email: str, number: str) -> OrderSnapshot:
    return OrderSnapshot(
        shop="kaira", number=number, status="processing", language="fi", email=email
    )


def broker(stores: DataStores) -> str:
    """The event broker table's URL."""
    assert stores.broker is not None
    return stores.broker.url


def said(at: float, *texts: str) -> list[dict[str, object]]:
    """Broker rows of user messages (what Rasa publishes while the handoff service is down)."""
    return [{"event": "user", "text": text, "timestamp": at + i} for i, text in enumerate(texts)]


def fill(stores: DataStores) -> None:
    """Alice (ticket with her email, a restock sign-up typed in chat, a failed order proof) and
    Bob, who must keep everything."""
    now = NOW.timestamp()
    chat(stores.tracker.url, "alice", now, "hei", "ilmoita: alice@example.fi")
    chat(stores.tracker.url, "bob", now, "hello")
    publish(broker(stores), "alice", said(now, "hei", "ilmoita: alice@example.fi"))
    publish(broker(stores), "bob", said(now, "hello"))
    make_ticket(stores.handoff, "alice", email="alice@example.fi")
    make_ticket(stores.handoff, "bob", email="bob@example.fi")
    restock = RestockStore(stores.restock_path)
    restock.register("alice@example.fi", "p1", "S", "fi")
    restock.register("bob@example.fi", "p1", "S", "en")
    limiter = AttemptLimiter(stores.attempts_path, AttemptLimits())
    for who in ("alice", "bob"):
        attempt = limiter.begin("1001", Client(conversation=who))
        assert attempt is not None
        limiter.fail(attempt)
    assert stores.orders_path is not None
    orders = OrderEventStore(stores.orders_path)
    orders.observe(
        [order_of("alice@example.fi", "1001"), order_of("bob@example.fi", "1002")],
        lambda kind: [],
        NOW.date(),
    )
    orders.watch("alice", "kaira", "1001")
    orders.watch("bob", "kaira", "1002")


def counts(report_counts: list[tuple[str, int]]) -> dict[str, int]:
    return dict(report_counts)


@pytest.mark.parametrize("target", [Target("sender", "alice"), Target("email", "alice@example.fi")])
def test_forget_reaches_every_store(stores: DataStores, target: Target) -> None:
    fill(stores)
    dry = forget(target, stores, dry_run=True)
    assert event_count(stores.tracker.url, "alice") == 5
    report = forget(target, stores)
    assert report.senders == {"alice"} and report.emails == {"alice@example.fi"}
    assert (
        counts(report.counts)
        == counts(dry.counts)
        == {
            "handoff tickets anonymised": 1,
            "handoff transcript lines deleted": 3,
            "handoff outbox deliveries deleted": 1,
            "handoff escalation-log rows deleted": 1,
            "partner deletion requests queued (handoff.forgotten)": 0,
            "rasa tracker events deleted": 5,
            "rasa event broker rows deleted": 2,
            "restock sign-ups deleted": 1,
            "order-proof attempt rows deleted": 1,
            "order-update rows deleted": 2,
        }
    )
    assert event_count(stores.tracker.url, "alice") == 0
    assert event_count(stores.tracker.url, "bob") == 3
    assert broker_count(broker(stores), "alice") == 0
    assert broker_count(broker(stores), "bob") == 1
    assert [s.email for s in RestockStore(stores.restock_path).pending()] == ["bob@example.fi"]
    assert stores.orders_path is not None
    kept = OrderEventStore(stores.orders_path).open_orders("kaira")
    assert [o.email for o in kept] == ["bob@example.fi"]
    assert stores.handoff.conversations_with_email({"bob@example.fi"}) == {"bob"}
    assert forget(target, stores).total() == 0  # idempotent


def test_a_webhook_partner_gets_a_signed_deletion_request(
    stores: DataStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(
                (dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARTNER_SECRET", "s3cret")
    partner = {"type": "webhook", "url": f"http://127.0.0.1:{server.server_address[1]}/x"}
    settings = HandoffSettings.model_validate(
        {
            "database_url": stores.handoff.url,
            "backends": {"partner": {**partner, "secret_env": "PARTNER_SECRET"}},
        }
    )
    try:
        stores = replace(
            stores, notify=DataStores.from_environment(settings, stores.handoff).notify
        )
        assert stores.notify == {"partner"}
        ticket = make_ticket(stores.handoff, "alice", email="alice@example.fi")
        stores.handoff.update_ticket(ticket.id, backend="partner")
        make_ticket(stores.handoff, "alice")  # a console ticket: nobody to tell
        chatwoot = make_ticket(stores.handoff, "alice")
        stores.handoff.update_ticket(chatwoot.id, backend="chatwoot", external_id="cw-9")
        report = forget(Target("sender", "alice"), stores)
        assert dict(report.counts)["partner deletion requests queued (handoff.forgotten)"] == 1
        assert report.lines()[-2:] == [
            f"partner copy: ticket {ticket.id} at partner (their id ext-1): "
            "asked to delete it (handoff.forgotten)",
            f"partner copy: ticket {chatwoot.id} at chatwoot (their id cw-9): delete it there",
        ]
        assert OutboxWorker(settings, stores.handoff).run_once() == 1
    finally:
        server.shutdown()
    ((headers, body),) = received
    assert headers["X-Faqbot-Event"] == "handoff.forgotten"
    assert verify(body, "s3cret", headers["X-Faqbot-Signature"])
    assert json.loads(body) == {
        "event": "handoff.forgotten",
        "ticket": {"id": ticket.id, "backend": "partner", "external_id": "ext-1"},
    }
    assert_anonymised(stores.handoff, ticket)
    assert forget(Target("sender", "alice"), stores).total() == 0  # asked once


def test_an_email_only_typed_in_chat_finds_the_conversation(stores: DataStores) -> None:
    chat(stores.tracker.url, "carol", NOW.timestamp(), "my address is carol@example.se")
    report = forget(Target("email", "carol@example.se"), stores)
    assert report.senders == {"carol"}
    assert event_count(stores.tracker.url, "carol") == 0


def test_forget_refuses_while_a_ticket_is_open_and_changes_nothing(stores: DataStores) -> None:
    fill(stores)
    waiting = make_ticket(stores.handoff, "alice", closed_at=None)
    with pytest.raises(PrivacyError, match=f"ticket\\(s\\) {waiting.id} \\(queued\\) still open"):
        forget(Target("email", "alice@example.fi"), stores)
    assert event_count(stores.tracker.url, "alice") == 5
    assert len(RestockStore(stores.restock_path).pending()) == 2
    assert_untouched(stores.handoff, waiting)


def test_forget_without_the_other_stores_creates_none(stores: DataStores) -> None:
    make_ticket(stores.handoff, "alice")
    assert forget(Target("sender", "alice"), stores).total() == 6
    assert stores.tracker.path is None or not stores.tracker.path.exists()
    assert stores.broker is not None
    assert stores.broker.path is None or not stores.broker.path.exists()
    assert not stores.restock_path.exists() and not stores.attempts_path.exists()


def test_purge_reaches_every_store_and_keeps_open_conversations(stores: DataStores) -> None:
    old = LONG_AGO.timestamp()
    chat(stores.tracker.url, "old", old, "moi")
    chat(stores.tracker.url, "old-open", old, "haluan ihmisen")
    chat(stores.tracker.url, "new", NOW.timestamp(), "hei")
    publish(broker(stores), "old", said(old, "moi"))
    publish(broker(stores), "old-open", said(old, "haluan ihmisen"))
    publish(broker(stores), "new", said(NOW.timestamp(), "hei"))
    make_ticket(stores.handoff, "old", at=LONG_AGO, closed_at=LONG_AGO)
    waiting = make_ticket(stores.handoff, "old-open", at=LONG_AGO, closed_at=None)
    restock = RestockStore(stores.restock_path, clock=lambda: LONG_AGO)
    restock.register("old@example.fi", "p1", "S", "fi")
    assert stores.orders_path is not None
    OrderEventStore(stores.orders_path, clock=lambda: LONG_AGO).observe(
        [order_of("old@example.fi", "1003")], lambda kind: [], LONG_AGO.date()
    )
    report = purge(stores, 365)
    assert counts(report.counts) == {
        "handoff tickets anonymised": 1,
        "handoff transcript lines deleted": 3,
        "handoff outbox deliveries deleted": 1,
        "handoff escalation-log rows deleted": 2,
        "handoff expired login sessions deleted": 0,
        "rasa conversations deleted": 1,
        "rasa tracker events deleted": 3,
        "rasa event broker rows deleted": 1,
        "restock sign-ups deleted": 1,
        "order-proof attempt rows deleted": 0,
        "order-update rows deleted": 1,
    }
    assert event_count(stores.tracker.url, "old") == 0
    assert broker_count(broker(stores), "old") == 0
    assert broker_count(broker(stores), "old-open") == 1  # an open ticket's lines stay
    assert broker_count(broker(stores), "new") == 1
    assert event_count(stores.tracker.url, "old-open") == 3
    assert event_count(stores.tracker.url, "new") == 3
    assert_untouched(stores.handoff, waiting)
    assert purge(stores, 365).total() == 0


# --- input, settings, the command, the service ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" Alice@Example.FI ", Target("email", "alice@example.fi")),
        ("d3b07384d113edec49eaa6238ad5ff00", Target("sender", "d3b07384d113edec49eaa6238ad5ff00")),
        ("1234567890123456", Target("sender", "1234567890123456")),
    ],
)
def test_parse_target(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a" * 256, "too long"),
        ("ali\nce", "control characters"),
        ("al\x00ice", "control characters"),
        ("alice@", "not a valid email address.*--sender"),
    ],
)
def test_parse_target_refuses_bad_input(text: str, problem: str) -> None:
    with pytest.raises(PrivacyError, match=problem):
        parse_target(text)


def test_sender_flag_takes_an_at_sign_as_a_sender() -> None:
    assert parse_target("user@host", sender=True) == Target("sender", "user@host")


def test_retention_settings_are_validated(tmp_path: Path) -> None:
    assert HandoffSettings().privacy == PrivacySettings(retention_days=365, purge_every_hours=24)
    path = tmp_path / "handoff.yml"
    path.write_text("privacy:\n  retention_days: 0\n  keep_forever: true\n", encoding="utf-8")
    with pytest.raises(HandoffConfigError) as error:
        load_handoff_settings(path)
    assert "retention_days" in str(error.value) and "keep_forever" in str(error.value)
    path.write_text("privacy: {retention_days: 30, purge_every_hours: 0}\n", encoding="utf-8")
    assert load_handoff_settings(path).privacy.retention_days == 30


@pytest.fixture
def command_env(
    stores: DataStores, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[DataStores]:
    """``faqbot privacy`` pointed at ``stores`` through the environment, as servers find them."""
    monkeypatch.setenv("FAQBOT_DATABASE_URL", stores.handoff.url)
    monkeypatch.setenv("FAQBOT_TRACKER_URL", stores.tracker.url)
    monkeypatch.setenv("FAQBOT_EVENT_BROKER_URL", broker(stores))
    monkeypatch.setenv("FAQBOT_RESTOCK_DB", str(stores.restock_path))
    monkeypatch.setenv("FAQBOT_ORDER_ATTEMPTS_DB", str(stores.attempts_path))
    if stores.orders_path is not None:
        monkeypatch.setenv("FAQBOT_ORDER_UPDATES_DB", str(stores.orders_path))
    config = tmp_path / "handoff.yml"
    config.write_text("privacy: {retention_days: 30}\n", encoding="utf-8")
    monkeypatch.setenv("FAQBOT_HANDOFF_CONFIG", str(config))
    yield stores


def test_command_forget(command_env: DataStores, capsys: pytest.CaptureFixture[str]) -> None:
    fill(command_env)
    assert main(["privacy", "forget", "alice@example.fi", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "conversations: alice\n" in out and "rasa tracker events deleted: 5\n" in out
    assert "rasa event broker rows deleted: 2\n" in out
    assert "dry run: nothing was changed" in out
    assert event_count(command_env.tracker.url, "alice") == 5
    assert broker_count(broker(command_env), "alice") == 2
    assert main(["privacy", "forget", "alice"]) == 0
    out = capsys.readouterr().out
    assert "email addresses: alice@example.fi\n" in out
    assert "handoff tickets anonymised: 1\n" in out and "restock sign-ups deleted: 1\n" in out
    assert "dry run" not in out
    assert event_count(command_env.tracker.url, "alice") == 0
    assert broker_count(broker(command_env), "alice") == 0
    assert event_count(command_env.tracker.url, "bob") == 3
    assert broker_count(broker(command_env), "bob") == 1


def test_command_refuses_bad_input(
    command_env: DataStores, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(command_env)
    assert main(["privacy", "forget", "alice@"]) == 1
    assert "not a valid email address" in capsys.readouterr().err
    make_ticket(command_env.handoff, "alice", closed_at=None)
    assert main(["privacy", "forget", "alice"]) == 1
    assert "still open" in capsys.readouterr().err
    assert event_count(command_env.tracker.url, "alice") == 5


def test_command_purge_uses_the_retention_setting(
    command_env: DataStores, capsys: pytest.CaptureFixture[str]
) -> None:
    month_ago = NOW - timedelta(days=31)
    chat(command_env.tracker.url, "last-month", month_ago.timestamp(), "moi")
    publish(broker(command_env), "last-month", said(month_ago.timestamp(), "moi"))
    publish(broker(command_env), "today", said(NOW.timestamp(), "hei"))
    assert main(["privacy", "purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "retention: 30 days\n" in out and "rasa conversations deleted: 1\n" in out
    assert "rasa event broker rows deleted: 1\n" in out
    assert broker_count(broker(command_env), "last-month") == 1
    assert event_count(command_env.tracker.url, "last-month") == 3
    assert main(["privacy", "purge"]) == 0
    assert event_count(command_env.tracker.url, "last-month") == 0
    assert broker_count(broker(command_env), "last-month") == 0
    assert broker_count(broker(command_env), "today") == 1


def test_the_service_purges_at_start(
    command_env: DataStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_ticket(command_env.handoff, "old", at=LONG_AGO, closed_at=LONG_AGO)
    chat(command_env.tracker.url, "old", LONG_AGO.timestamp(), "moi")
    publish(broker(command_env), "old", said(LONG_AGO.timestamp(), "moi"))
    publish(broker(command_env), "today", said(NOW.timestamp(), "hei"))
    settings = load_handoff_settings()  # the stores the environment names, as a server finds them
    # the sync loop keeps the broker rows it reads, so only the purge removes any
    sync = settings.sync.model_copy(update={"delete_read_events": False})
    settings = settings.model_copy(update={"sync": sync})
    purged = threading.Event()
    reports: list[dict[str, int]] = []

    import handoff.privacy as privacy

    real = privacy.purge

    def watched(*args: object, **kwargs: object) -> privacy.Report:
        report = real(*args, **kwargs)  # type: ignore[arg-type]
        reports.append(counts(report.counts))
        purged.set()
        return report

    monkeypatch.setattr(privacy, "purge", watched)
    with TestClient(create_app(settings)):
        assert purged.wait(timeout=30)
    assert_anonymised(command_env.handoff, old)
    assert reports[0]["rasa conversations deleted"] == 1
    assert reports[0]["rasa event broker rows deleted"] == 1
    assert event_count(command_env.tracker.url, "old") == 0
    assert broker_count(broker(command_env), "old") == 0
    assert broker_count(broker(command_env), "today") == 1


def test_tests_keep_the_services_stores_out_of_the_developers_folder(
    state_in_tmp: Path, tmp_path: Path
) -> None:
    found = DataStores.from_environment(HandoffSettings(database_url="sqlite://"))
    assert found.tracker.path == state_in_tmp / "tracker.db"
    assert found.broker is not None and found.broker.path == state_in_tmp / "events.db"
    assert found.restock_path == state_in_tmp / "restock.db"
    assert found.attempts_path == state_in_tmp / "order-attempts.db"
    assert found.orders_path == state_in_tmp / "order_updates.db"
    assert state_in_tmp.parent == tmp_path


def test_forgetting_the_newest_broker_row_keeps_its_number(tmp_path: Path) -> None:
    """SQLite numbers a new row after the highest id left: were the newest row deleted, the
    next one would get an id the handoff service's cursor has passed, and never be read."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    publish(url, "bob", said(NOW.timestamp(), "hello"))
    publish(url, "alice", said(NOW.timestamp(), "hei", "alice@example.fi"))
    records = BrokerRecords(url)
    assert records.forget({"alice"}) == 2
    assert broker_count(url, "alice") == 0
    publish(url, "carol", said(NOW.timestamp(), "moi"))
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, sender_id, data FROM events ORDER BY id")).all()
    engine.dispose()
    records.dispose()
    assert [(r.id, r.sender_id) for r in rows] == [(1, "bob"), (3, ""), (4, "carol")]
    assert rows[1].data == "{}"  # nothing personal left in the kept number


def test_purge_every_hours_zero_leaves_it_to_cron(
    command_env: DataStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handoff.app as app_module

    started: list[str] = []
    real = app_module.BackgroundLoop.start

    def record(self: app_module.BackgroundLoop) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(app_module.BackgroundLoop, "start", record)
    settings = HandoffSettings(database_url=command_env.handoff.url)
    with TestClient(create_app(settings)):
        assert "handoff-retention" in started
    started.clear()
    off = settings.model_copy(update={"privacy": PrivacySettings(purge_every_hours=0)})
    with TestClient(create_app(off)):
        assert started == ["handoff-sync", "handoff-outbox"]
