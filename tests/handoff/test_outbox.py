"""The persisted outbox: retries, order, giving up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handoff.backends import DeliveryResult
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import BackendError
from handoff.outbox import MAX_ATTEMPTS, OutboxWorker, retry_delay
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk

PARTNER = {
    "backend": "partner",
    "backends": {"partner": {"type": "webhook", "url": "http://127.0.0.1:9/x", "secret_env": "S"}},
}


class FlakyBackend:
    """Fails while ``down``; records what it accepted."""

    name = "partner"

    def __init__(self) -> None:
        self.down = True
        self.retryable = True
        self.accepted: list[tuple[str, dict[str, Any]]] = []

    def deliver(self, event: str, payload: dict[str, Any], *, delivery_id: str) -> DeliveryResult:
        if self.down:
            raise BackendError("receiver down", retryable=self.retryable)
        self.accepted.append((event, payload))
        return DeliveryResult(external_id="ext-7")


def setup(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> tuple[HandoffDesk, OutboxWorker, FlakyBackend]:
    desk = make_desk(store, fake_rasa, clock, **PARTNER)
    backend = FlakyBackend()
    worker = OutboxWorker(desk.settings, store, {"partner": backend}, clock=clock)  # type: ignore[dict-item]
    return desk, worker, backend


def test_nothing_is_lost_while_the_receiver_is_down(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk, worker, backend = setup(store, fake_rasa, clock)
    ticket_id = desk.escalate(Escalation("c1", "rest", "fi", "explicit_request")).ticket_id
    fake_rasa.trackers["c1"] = [{"event": "user", "text": "onko siellä ketään?"}]
    desk.sync_from_rasa()  # a shopper message while waiting: a second delivery
    assert worker.run_once() == 0
    assert worker.run_once() == 0  # not due yet: backing off
    clock.now += timedelta(seconds=retry_delay(1))
    backend.down = False
    assert worker.run_once() == 2  # the message waited for the request, then followed it
    assert [event for event, _ in backend.accepted] == ["handoff.requested", "handoff.message"]
    assert backend.accepted[1][1]["message"]["text"] == "onko siellä ketään?"
    assert backend.accepted[1][1]["ticket"]["external_id"] == "ext-7"  # learned on delivery 1
    assert store.ticket(ticket_id).external_id == "ext-7"
    assert store.outbox_status() == {"pending": 0, "delivered": 2, "failed": 0}


def test_backoff_doubles_and_gives_up_after_max_attempts(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert retry_delay(50) == 1800.0
    desk, worker, _backend = setup(store, fake_rasa, clock)
    desk.escalate(Escalation("c1", "rest", "fi", "explicit_request"))
    for _ in range(MAX_ATTEMPTS):
        worker.run_once()
        clock.now += timedelta(hours=1)
    assert store.outbox_status() == {"pending": 0, "delivered": 0, "failed": 1}


def test_a_refusal_is_not_retried(store: Store, fake_rasa: FakeRasa, clock: Clock) -> None:
    desk, worker, backend = setup(store, fake_rasa, clock)
    backend.retryable = False
    desk.escalate(Escalation("c1", "rest", "fi", "explicit_request"))
    worker.run_once()
    assert store.outbox_status()["failed"] == 1
