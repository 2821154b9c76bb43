"""Forgetting one person (``faqbot privacy forget``) and the retention period (``purge``).

faqbot keeps what shoppers leave in six places: the handoff database (tickets, transcripts,
outbox), Rasa's tracker store (the conversations), Rasa's event broker table (events the handoff
service has not read yet), the restock sign-ups, the order-proof attempts and the order updates;
the tracker store and the broker table in SQLite or PostgreSQL (the scale-out mode). Forgetting
a conversation id ("sender") or an email address reaches all six:

- an email address finds the conversations in which it was given (tickets that hold it, and
  conversations where it was typed or filled into a slot), and those are forgotten too;
- a conversation finds the email addresses given in it, and their restock sign-ups go too.

Tickets are anonymised rather than deleted (:meth:`handoff.store.Store.forget`): the row stays
for the statistics, every personal field is blanked and the transcript deleted. Everything else
is deleted. A person with an open ticket is refused until an agent closes it: deleting a
conversation under an agent who is answering it would lose their reply. Partners keep their
own copies of what was sent to them: a webhook partner gets a signed ``handoff.forgotten``
event (ticket id and its own id) to delete its copy; Chatwoot's must be deleted there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.contact import is_valid_email
from bot.errors import TrackerStoreError
from bot.shop import attempts, notifications, order_events
from bot.shop.attempts import AttemptLimiter
from bot.shop.notifications import RestockStore
from bot.shop.order_events import OrderEventStore
from bot.tracker_db import TrackerDatabase
from handoff.broker import BrokerRecords
from handoff.config import HandoffSettings
from handoff.errors import PrivacyError, StorageError
from handoff.store import PartnerCopy, Store, utcnow

log = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 255  # the tracker's and the tickets' column width


@dataclass(frozen=True)
class Target:
    """Whom to forget: an email address or a conversation id (Rasa's sender id)."""

    kind: str  # "email" or "sender"
    value: str


def parse_target(text: str, *, sender: bool = False) -> Target:
    """``text`` as an email address when it is one (unless ``sender``), else a sender id.

    Raises:
        PrivacyError: empty, too long, control characters, or an "@" that makes no address.
    """
    value = text.strip()
    if not value:
        raise PrivacyError("give an email address or a conversation id (sender); it is empty")
    if len(value) > MAX_SENDER_LENGTH:
        raise PrivacyError(f"{len(value)} characters is too long (at most {MAX_SENDER_LENGTH})")
    if any(not char.isprintable() for char in value):
        raise PrivacyError("the email address or sender id contains control characters")
    if sender:
        return Target("sender", value)
    if is_valid_email(value):
        return Target("email", value.casefold())
    if "@" in value:
        raise PrivacyError(
            f"{value!r} is not a valid email address; if it is a conversation id, pass --sender"
        )
    return Target("sender", value)


@dataclass
class DataStores:
    """Every store that holds personal data, found as the servers find them."""

    handoff: Store
    tracker: TrackerDatabase
    restock_path: Path
    attempts_path: Path
    # backends told of a forgotten ticket (``handoff.forgotten``): the webhook partners
    notify: frozenset[str] = frozenset()
    orders_path: Path | None = None  # order updates (``$FAQBOT_ORDER_UPDATES_DB``)
    # Rasa's event broker table (None: the handoff service runs without one)
    broker: BrokerRecords | None = None

    @classmethod
    def from_environment(cls, settings: HandoffSettings, store: Store | None = None) -> DataStores:
        """``store`` (or ``settings.database_url``), the tracker store
        (:func:`bot.tracker_db.tracker_url`: ``$FAQBOT_TRACKER_URL`` or ``$FAQBOT_TRACKER_DB``),
        the event broker (``settings.sync.event_broker_url``), ``$FAQBOT_RESTOCK_DB`` and
        ``$FAQBOT_ORDER_ATTEMPTS_DB`` (defaults under ``.faqbot/``)."""
        broker = settings.sync.event_broker_url
        return cls(
            handoff=store or Store(settings.database_url),
            tracker=TrackerDatabase(),
            broker=BrokerRecords(broker) if broker else None,
            restock_path=notifications.default_path(),
            attempts_path=attempts.default_path(),
            orders_path=order_events.default_path(),
            notify=frozenset(
                name for name, config in settings.backends.items() if config.type == "webhook"
            ),
        )

    def close(self) -> None:
        """Close the database connections."""
        self.handoff.engine.dispose()
        self.tracker.dispose()
        if self.broker is not None:
            self.broker.dispose()

    def restock(self) -> RestockStore | None:
        """The sign-ups, when the file exists (never created here)."""
        return RestockStore(self.restock_path) if self.restock_path.exists() else None

    def attempts(self) -> AttemptLimiter | None:
        """The order-proof attempts, when the file exists."""
        return AttemptLimiter(self.attempts_path) if self.attempts_path.exists() else None

    def orders(self) -> OrderEventStore | None:
        """The order updates, when the file exists."""
        path = self.orders_path
        return OrderEventStore(path) if path is not None and path.exists() else None


@contextmanager
def _tracker_failures() -> Iterator[None]:
    """Rasa's tracker store failing is a :class:`StorageError` (the command prints it)."""
    try:
        yield
    except TrackerStoreError as exc:
        raise StorageError(str(exc)) from exc


@dataclass
class Report:
    """What was (or, in a dry run, would be) removed, per store."""

    dry_run: bool
    counts: list[tuple[str, int]] = field(default_factory=list)
    senders: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    # forgotten tickets that were sent to a partner, which keeps its own copy
    copies: list[PartnerCopy] = field(default_factory=list)

    def total(self) -> int:
        """Rows removed or anonymised in all stores."""
        return sum(count for _, count in self.counts)

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        lines = [f"{label}: {count}" for label, count in self.counts]
        for copy in self.copies:
            where = f"ticket {copy.ticket_id} at {copy.backend} (their id {copy.external_id})"
            lines.append(
                f"partner copy: {where}: "
                + ("asked to delete it (handoff.forgotten)" if copy.notified else "delete it there")
            )
        return lines


@_tracker_failures()
def forget(target: Target, stores: DataStores, *, dry_run: bool = False) -> Report:
    """Delete or anonymise everything about ``target`` in every store (idempotent).

    Raises:
        PrivacyError: one of the person's tickets is still open (nothing was changed).
        StorageError: the handoff database or Rasa's tracker store failed.
        BrokerUnavailable: the event broker table failed.
    """
    stores.handoff.create_schema()
    report = Report(dry_run)
    if target.kind == "email":
        report.emails = {target.value}
        report.senders = stores.handoff.conversations_with_email(
            report.emails
        ) | stores.tracker.senders_mentioning(target.value)
    else:
        report.senders = {target.value}
        report.emails = stores.handoff.emails_of(report.senders) | stores.tracker.emails_of(
            report.senders
        )
    still_open = stores.handoff.open_tickets_of(report.senders)
    if still_open:
        listed = ", ".join(f"{t.id} ({t.status})" for t in still_open)
        raise PrivacyError(
            f"ticket(s) {listed} still open: close them in the agent console first, then run "
            "this again; nothing was changed"
        )
    handoff = stores.handoff.forget(
        report.senders,
        report.emails if target.kind == "email" else set(),
        notify=stores.notify,
        copies=report.copies,
        dry_run=dry_run,
    )
    restock, attempt, orders = stores.restock(), stores.attempts(), stores.orders()
    report.counts = [
        ("handoff tickets anonymised", handoff["tickets"]),
        ("handoff transcript lines deleted", handoff["messages"]),
        ("handoff outbox deliveries deleted", handoff["outbox"]),
        ("handoff escalation-log rows deleted", handoff["escalation_log"]),
        ("partner deletion requests queued (handoff.forgotten)", handoff["notices"]),
        ("rasa tracker events deleted", stores.tracker.forget(report.senders, dry_run=dry_run)),
        (
            "rasa event broker rows deleted",
            stores.broker.forget(report.senders, dry_run=dry_run) if stores.broker else 0,
        ),
        (
            "restock sign-ups deleted",
            restock.forget(report.emails, dry_run=dry_run) if restock else 0,
        ),
        (
            "order-proof attempt rows deleted",
            attempt.forget(report.senders, dry_run=dry_run) if attempt else 0,
        ),
        (
            "order-update rows deleted",
            orders.forget(report.emails, report.senders, dry_run=dry_run) if orders else 0,
        ),
    ]
    return report


@_tracker_failures()
def purge(
    stores: DataStores, retention_days: int, *, dry_run: bool = False, now: datetime | None = None
) -> Report:
    """Remove what is older than ``retention_days`` from every store; open tickets and their
    conversations stay whatever their age.

    Raises:
        StorageError: the handoff database or Rasa's tracker store failed.
        BrokerUnavailable: the event broker table failed.
    """
    stores.handoff.create_schema()
    before = (now or utcnow()) - timedelta(days=retention_days)
    keep = stores.handoff.open_conversations()
    handoff = stores.handoff.purge(before, dry_run=dry_run)
    conversations, events = stores.tracker.purge(before, keep=keep, dry_run=dry_run)
    restock, attempt, orders = stores.restock(), stores.attempts(), stores.orders()
    report = Report(dry_run)
    report.counts = [
        ("handoff tickets anonymised", handoff["tickets"]),
        ("handoff transcript lines deleted", handoff["messages"]),
        ("handoff outbox deliveries deleted", handoff["outbox"]),
        ("handoff escalation-log rows deleted", handoff["escalation_log"]),
        ("handoff expired login sessions deleted", handoff["sessions"]),
        ("rasa conversations deleted", conversations),
        ("rasa tracker events deleted", events),
        (
            "rasa event broker rows deleted",
            stores.broker.purge(before, keep=keep, dry_run=dry_run) if stores.broker else 0,
        ),
        ("restock sign-ups deleted", restock.purge(before, dry_run=dry_run) if restock else 0),
        ("order-proof attempt rows deleted", attempt.purge(dry_run=dry_run) if attempt else 0),
        ("order-update rows deleted", orders.purge(before, dry_run=dry_run) if orders else 0),
    ]
    return report


class RetentionPurge:
    """The handoff service's periodic purge (a :class:`handoff.background.BackgroundLoop`)."""

    def __init__(self, settings: HandoffSettings, store: Store) -> None:
        self.retention_days = settings.privacy.retention_days
        self.stores = DataStores.from_environment(settings, store)

    def run_once(self) -> Report:
        """Purge now; logs what was removed."""
        report = purge(self.stores, self.retention_days)
        if report.total():
            log.info("retention (%d days): %s", self.retention_days, "; ".join(report.lines()))
        return report
