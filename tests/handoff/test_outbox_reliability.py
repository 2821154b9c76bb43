"""The outbox row is written with its ticket change; delivery never delays the console; a
pending delivery survives a restart and arrives once."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.backends import Backend, DeliveryResult, build_backend
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import StorageError
from handoff.outbox import OutboxWorker
from handoff.store import Store, utcnow
from scripts.stack import free_port
from tests.handoff.conftest import Clock, FakeRasa, make_desk

SECRET_ENV = "FAQBOT_TEST_PARTNER_SECRET"
ALL_STATUSES = ("queued", "active", "overflow", "offline", "closed")


class Partner:
    """A partner's webhook receiver on 127.0.0.1 that records requests; ``hang`` holds each
    answer until :meth:`release` (at most 30 s)."""

    def __init__(self, port: int = 0, hang: bool = False) -> None:
        self.received: list[tuple[str, str]] = []  # (X-Faqbot-Event, X-Faqbot-Delivery)
        self.arrived = threading.Condition()
        self.released = threading.Event()
        if not hang:
            self.released.set()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with partner.arrived:
                    partner.received.append(
                        (self.headers["X-Faqbot-Event"], self.headers["X-Faqbot-Delivery"])
                    )
                    partner.arrived.notify_all()
                partner.released.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, deadline: float = 30.0) -> list[str]:
        """The events received once there are ``count`` (or all after ``deadline`` s)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=deadline)
            return [event for event, _ in self.received]

    def release(self) -> None:
        """Answer every request (held ones too) from now on."""
        self.released.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def partner_settings(url: str, timeout: float = 5.0) -> dict[str, Any]:
    webhook = {"type": "webhook", "url": url, "secret_env": SECRET_ENV, "timeout_seconds": timeout}
    return {"backend": "partner", "backends": {"partner": webhook}}


def wait_for(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``deadline`` seconds passed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def events_in_outbox(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT event FROM outbox ORDER BY id")).scalars())


@contextlib.contextmanager
def outbox_inserts_fail(store: Store) -> Iterator[None]:
    """The database refuses every ``INSERT INTO outbox`` (a crash between the two writes)."""

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            raise sa.exc.OperationalError(statement, None, Exception("disk I/O error"))

    sa.event.listen(store.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", refuse)


@pytest.fixture
def desk(store: Store, fake_rasa: FakeRasa, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(SECRET_ENV, "partner-secret")
    return make_desk(store, fake_rasa, clock, **partner_settings("http://127.0.0.1:9/hook"))


def escalate(desk: HandoffDesk, conversation: str = "c1") -> int:
    return desk.escalate(Escalation(conversation, "rest", "fi", "explicit_request")).ticket_id


def test_no_ticket_without_its_handoff_requested(desk: HandoffDesk, store: Store) -> None:
    with outbox_inserts_fail(store), pytest.raises(StorageError):
        escalate(desk)
    assert store.list_tickets(ALL_STATUSES) == [] and events_in_outbox(store) == []
    ticket_id = escalate(desk)
    assert [t.id for t in store.list_tickets(ALL_STATUSES)] == [ticket_id]
    assert events_in_outbox(store) == ["handoff.requested"]


def test_no_shopper_message_without_its_handoff_message(
    desk: HandoffDesk, store: Store, fake_rasa: FakeRasa
) -> None:
    ticket_id = escalate(desk)
    fake_rasa.trackers["c1"] = [{"event": "user", "text": "onko siellä ketään?"}]
    with outbox_inserts_fail(store), contextlib.suppress(StorageError):
        desk.sync_from_rasa()
    assert store.messages(ticket_id) == [] and store.ticket(ticket_id).events_seen == 0
    desk.sync_from_rasa()  # the database is back: read again, stored once, told once
    assert [m.text for m in store.messages(ticket_id)] == ["onko siellä ketään?"]
    assert events_in_outbox(store) == ["handoff.requested", "handoff.message"]


def test_no_closed_ticket_without_its_handoff_closed(desk: HandoffDesk, store: Store) -> None:
    ticket_id = escalate(desk)
    with outbox_inserts_fail(store), pytest.raises(StorageError):
        desk.close(ticket_id, integration=True)
    assert store.ticket(ticket_id).status == "queued"
    assert events_in_outbox(store) == ["handoff.requested"]
    assert desk.close(ticket_id, integration=True).status == "closed"
    assert events_in_outbox(store) == ["handoff.requested", "handoff.closed"]


class Watched:
    """A backend whose ``delivering`` is set while a delivery waits for the partner."""

    def __init__(self, backend: Backend) -> None:
        self.backend, self.name = backend, backend.name
        self.delivering = threading.Event()

    def deliver(self, event: str, payload: dict[str, Any], *, delivery_id: str) -> DeliveryResult:
        self.delivering.set()
        try:
            return self.backend.deliver(event, payload, delivery_id=delivery_id)
        finally:
            self.delivering.clear()


def test_a_hanging_partner_does_not_delay_shopper_messages(
    store: Store, fake_rasa: FakeRasa, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "partner-secret")
    partner = Partner(hang=True)
    try:
        desk = make_desk(store, fake_rasa, clock, **partner_settings(partner.url, timeout=10))
        watched = Watched(build_backend("partner", desk.settings.backends["partner"]))
        worker = OutboxWorker(desk.settings, store, {"partner": watched}, clock=clock)
        ticket_id = escalate(desk)
        with TestClient(create_app(desk.settings, desk, worker, background=True)):
            assert partner.wait_for(1) == ["handoff.requested"]  # and its answer is held
            fake_rasa.trackers["c1"] = [{"event": "user", "text": "hello? anyone?"}]
            assert wait_for(lambda: bool(store.messages(ticket_id)))
            assert watched.delivering.is_set()  # the partner still has not answered
            partner.release()
            assert partner.wait_for(2) == ["handoff.requested", "handoff.message"]
    finally:
        partner.stop()
    assert [m.text for m in store.messages(ticket_id)] == ["hello? anyone?"]


def service(db_url: str, partner_url: str) -> tuple[TestClient, HandoffDesk]:
    """The handoff service on ``db_url`` as a fresh process would build it (real clock)."""
    store = Store(db_url)
    desk = make_desk(store, FakeRasa(), utcnow, **partner_settings(partner_url))  # type: ignore[arg-type]
    return TestClient(create_app(desk.settings, desk, background=True)), desk


def attempts(store: Store) -> int:
    with store.engine.connect() as conn:
        most = conn.execute(sa.text("SELECT COALESCE(MAX(attempts), 0) FROM outbox"))
        return int(most.scalar_one())


def test_a_delivery_pending_across_a_restart_arrives_exactly_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "partner-secret")
    port = free_port()  # the partner is down: nothing listens there yet
    url = f"http://127.0.0.1:{port}/hook"
    client, desk = service(store.url, url)
    with client:
        ticket_id = escalate(desk)
        assert wait_for(lambda: attempts(store) >= 1)  # tried, refused, due again later
    desk.store.engine.dispose()
    assert store.outbox_status()["pending"] == 1
    partner = Partner(port)
    try:
        client, desk = service(store.url, url)
        with client:
            assert partner.wait_for(1) == ["handoff.requested"]
            assert wait_for(lambda: store.outbox_status()["delivered"] == 1)
            desk.close(ticket_id, integration=True)
            assert partner.wait_for(2) == ["handoff.requested", "handoff.closed"]
            assert wait_for(lambda: store.outbox_status()["delivered"] == 2)
        desk.store.engine.dispose()
    finally:
        partner.stop()
    assert [event for event, _ in partner.received] == ["handoff.requested", "handoff.closed"]
    assert len({delivery for _, delivery in partner.received}) == 2
    assert store.outbox_status() == {"pending": 0, "delivered": 2, "failed": 0}
