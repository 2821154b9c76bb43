"""Order status changes ("events") and their notifications, kept in one SQLite file.

The file is ``$FAQBOT_ORDER_UPDATES_DB`` or ``.faqbot/order_updates.db``.
:meth:`OrderEventStore.observe` compares what the shop says about an order (an
:class:`OrderSnapshot`, from the embedded shop data, a WooCommerce webhook or polling) with what it
saw last time. A change becomes an event, stored under a unique key (shop, order, kind, tracking
code or expected date), so a webhook sent twice, a poll after a webhook, or a restart never makes a
second event. In the same transaction the event's notifications are queued in the outbox: one row
per channel (email, sms, chat) and recipient, again unique. :mod:`bot.shop.order_notify` sends the
outbox with retries.

The first time an order is seen its state is only recorded (no event): installing faqbot does not
message every shopper about old orders.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from bot.sqlitetx import SqliteStore
from bot.sqlitetx import iso as _iso

DEFAULT_PATH = Path(".faqbot/order_updates.db")
EVENT_KINDS = ("processing", "shipped", "ready_for_pickup", "delivered", "cancelled", "late")
CHANNELS = ("email", "sms", "chat")
# a status going back (shipped → processing, an edit in the shop) is no news for the shopper
_RANK = {
    "received": 0,
    "processing": 1,
    "shipped": 2,
    "ready_for_pickup": 3,
    "delivered": 4,
    "cancelled": 5,
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS order_state (
    shop TEXT NOT NULL, number TEXT NOT NULL, status TEXT NOT NULL, tracking_code TEXT,
    late_for TEXT, seen_at TEXT NOT NULL, snapshot TEXT NOT NULL, PRIMARY KEY (shop, number));
CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_key TEXT NOT NULL UNIQUE, shop TEXT NOT NULL,
    number TEXT NOT NULL, kind TEXT NOT NULL, snapshot TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL REFERENCES order_events(id),
    channel TEXT NOT NULL, recipient TEXT NOT NULL, due_at TEXT NOT NULL, attempts INTEGER
    NOT NULL DEFAULT 0, last_error TEXT, sent_at TEXT, given_up_at TEXT, claimed_until TEXT,
    UNIQUE (event_id, channel, recipient));
CREATE TABLE IF NOT EXISTS order_opt_outs (
    channel TEXT NOT NULL, address_key TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (channel, address_key));
CREATE TABLE IF NOT EXISTS order_chat_watch (
    conversation_id TEXT NOT NULL, shop TEXT NOT NULL, number TEXT NOT NULL,
    first_name TEXT, verified_at TEXT NOT NULL, PRIMARY KEY (conversation_id, shop, number));
CREATE TABLE IF NOT EXISTS order_poll_cursor (shop TEXT PRIMARY KEY, cursor TEXT NOT NULL);
"""


@dataclass(frozen=True)
class OrderSnapshot:
    """What the shop says about one order right now, with how to reach its shopper."""

    shop: str
    number: str
    status: str  # received | processing | shipped | ready_for_pickup | delivered | cancelled
    language: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    carrier: str | None = None
    tracking_code: str | None = None
    tracking_url: str | None = None
    expected_delivery: date | None = None
    pickup_point: str | None = None  # where a ready_for_pickup order waits

    def is_late(self, today: date) -> bool:
        """Not arrived (at the door or a pickup point) nor cancelled, and past its expected
        delivery date."""
        return (
            self.status not in ("ready_for_pickup", "delivered", "cancelled")
            and self.expected_delivery is not None
            and self.expected_delivery < today
        )

    def to_json(self) -> str:
        """The snapshot as JSON (dates as ``YYYY-MM-DD``)."""
        data = asdict(self)
        if self.expected_delivery is not None:
            data["expected_delivery"] = self.expected_delivery.isoformat()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> OrderSnapshot:
        """The snapshot written by :meth:`to_json`."""
        data = json.loads(text)
        expected = data.get("expected_delivery")
        data["expected_delivery"] = date.fromisoformat(expected) if expected else None
        return cls(**data)


@dataclass(frozen=True)
class OrderEvent:
    """One change of one order, stored once."""

    id: int
    key: str
    kind: str  # one of EVENT_KINDS
    snapshot: OrderSnapshot
    created_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """One notification of one event to one recipient on one channel."""

    id: int
    event: OrderEvent
    channel: str  # email | sms | chat
    recipient: str  # address, phone number or conversation id
    attempts: int
    last_error: str | None


Channels = Callable[[str], Iterable[str]]  # event kind -> the channels switched on for it


def default_path() -> Path:
    """``$FAQBOT_ORDER_UPDATES_DB`` or ``.faqbot/order_updates.db``."""
    return Path(os.environ.get("FAQBOT_ORDER_UPDATES_DB") or DEFAULT_PATH)


def address_key(channel: str, address: str) -> str:
    """How an address is compared: email in any case, phone numbers without spaces."""
    if channel == "email":
        return address.strip().casefold()
    return "".join(address.split())


class OrderEventStore(SqliteStore):
    """Order states, events, the notification outbox, opt-outs and chat watchers.

    The file is :func:`default_path` unless given (see :class:`~bot.sqlitetx.SqliteStore`).
    """

    schema = _SCHEMA
    default_path = staticmethod(default_path)

    # --- events --------------------------------------------------------------------------

    def observe(
        self,
        snapshots: Iterable[OrderSnapshot],
        channels: Channels,
        today: date,
    ) -> list[OrderEvent]:
        """Record the orders' current states; the new events (their notifications queued).

        ``channels`` says which channels are switched on for an event kind; :meth:`preview`
        tells the same without writing.
        """
        events: list[OrderEvent] = []
        with self._transaction() as conn:
            for snapshot in snapshots:
                events.extend(self._observe(conn, snapshot, channels, today))
        return events

    def preview(
        self, snapshots: Iterable[OrderSnapshot], channels: Channels, today: date
    ) -> tuple[list[OrderEvent], list[OutboxItem]]:
        """What :meth:`observe` then :meth:`due` would give now, with nothing written.

        Both run in one write transaction that is rolled back, so the events, the outbox rows
        (switches, opt-outs, duplicates) and what is due are the real code's answer.
        """
        events: list[OrderEvent] = []
        with self._transaction(dry_run=True) as conn:
            for snapshot in snapshots:
                events.extend(self._observe(conn, snapshot, channels, today))
            return events, self._due(conn, self._clock())

    def _observe(
        self, conn: sqlite3.Connection, snap: OrderSnapshot, channels: Channels, today: date
    ) -> list[OrderEvent]:
        row = conn.execute(
            "SELECT status, tracking_code, late_for FROM order_state WHERE shop = ? AND number = ?",
            (snap.shop, snap.number),
        ).fetchone()
        expected = snap.expected_delivery
        late_for = expected.isoformat() if expected is not None and snap.is_late(today) else None
        conn.execute(
            "INSERT INTO order_state VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shop, number) DO "
            "UPDATE SET status = excluded.status, tracking_code = excluded.tracking_code, "
            "late_for = COALESCE(excluded.late_for, order_state.late_for), "
            "seen_at = excluded.seen_at, snapshot = excluded.snapshot",
            (
                snap.shop,
                snap.number,
                snap.status,
                snap.tracking_code,
                late_for,
                self._now(),
                snap.to_json(),
            ),
        )
        if row is None:
            return []  # first sighting: a baseline, not news
        status, tracking, seen_late_for = row
        kinds: list[tuple[str, str]] = []
        forward = _RANK.get(snap.status, 0) > _RANK.get(status, 0) or snap.status == "cancelled"
        changed = (status != snap.status and forward) or (
            snap.status == status == "shipped" and tracking != snap.tracking_code
        )
        if changed and snap.status in EVENT_KINDS:
            kinds.append((snap.status, snap.tracking_code or ""))
        if late_for is not None and late_for != seen_late_for:
            kinds.append(("late", late_for))
        events = []
        for kind, detail in kinds:
            event = self._add_event(conn, snap, kind, detail)
            if event is not None:
                self._enqueue(conn, event, channels(kind))
                events.append(event)
        return events

    def _add_event(
        self, conn: sqlite3.Connection, snap: OrderSnapshot, kind: str, detail: str
    ) -> OrderEvent | None:
        key = f"{snap.shop}/{snap.number}/{kind}/{detail}"
        now = self._now()
        cursor = conn.execute(
            "INSERT INTO order_events (event_key, shop, number, kind, snapshot, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING",
            (key, snap.shop, snap.number, kind, snap.to_json(), now),
        )
        if cursor.rowcount != 1:
            return None  # the same change was seen before (a retried webhook, a second poll)
        return OrderEvent(int(cursor.lastrowid or 0), key, kind, snap, _parse(now))

    def _enqueue(
        self, conn: sqlite3.Connection, event: OrderEvent, channels: Iterable[str]
    ) -> None:
        snap = event.snapshot
        for channel in channels:
            if channel == "email":
                recipients = [snap.email] if snap.email else []
            elif channel == "sms":
                recipients = [snap.phone] if snap.phone else []
            else:
                recipients = [
                    str(conversation)
                    for (conversation,) in conn.execute(
                        "SELECT conversation_id FROM order_chat_watch "
                        "WHERE shop = ? AND number = ?",
                        (snap.shop, snap.number),
                    )
                ]
            for recipient in recipients:
                if channel != "chat" and self._opted_out(conn, channel, recipient):
                    continue
                conn.execute(
                    "INSERT INTO order_outbox (event_id, channel, recipient, due_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (event.id, channel, recipient, _iso(event.created_at)),
                )

    def open_orders(self, shop: str) -> list[OrderSnapshot]:
        """The last known state of every order of ``shop`` not delivered or cancelled.

        Observing them again each run finds the ones that became late without any change in
        the shop (no webhook fires for a date passing).
        """
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT snapshot FROM order_state WHERE shop = ? AND status NOT IN "
                "('delivered', 'cancelled') ORDER BY number",
                (shop,),
            ).fetchall()
        return [OrderSnapshot.from_json(str(row[0])) for row in rows]

    def events(self) -> list[OrderEvent]:
        """Every event, oldest first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT id, event_key, kind, snapshot, created_at FROM order_events ORDER BY id"
            ).fetchall()
        return [_event(row) for row in rows]

    # --- outbox --------------------------------------------------------------------------

    def due(self, now: datetime | None = None) -> list[OutboxItem]:
        """Notifications not yet sent nor given up whose time has come, oldest first."""
        with closing(self._connect()) as conn:
            return self._due(conn, now or self._clock())

    def _due(self, conn: sqlite3.Connection, now: datetime) -> list[OutboxItem]:
        moment = _iso(now)
        rows = conn.execute(
            "SELECT o.id, o.channel, o.recipient, o.attempts, o.last_error, e.id, "
            "e.event_key, e.kind, e.snapshot, e.created_at FROM order_outbox o "
            "JOIN order_events e ON e.id = o.event_id WHERE o.sent_at IS NULL AND "
            "o.given_up_at IS NULL AND o.due_at <= ? AND (o.claimed_until IS NULL OR "
            "o.claimed_until < ?) ORDER BY o.id",
            (moment, moment),
        ).fetchall()
        return [
            OutboxItem(
                id=int(row[0]),
                event=_event(row[5:]),
                channel=str(row[1]),
                recipient=str(row[2]),
                attempts=int(row[3]),
                last_error=row[4],
            )
            for row in rows
        ]

    def claim(self, item_id: int, until: datetime) -> bool:
        """Reserve an unsent notification, so two overlapping runs never both send it."""
        now = self._now()
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE order_outbox SET claimed_until = ? WHERE id = ? AND sent_at IS NULL AND "
                "given_up_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)",
                (_iso(until), item_id, now),
            )
            return cursor.rowcount == 1

    def mark_sent(self, item_id: int) -> None:
        """The notification went out; it is never sent again."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE order_outbox SET sent_at = ?, last_error = NULL, claimed_until = NULL "
                "WHERE id = ?",
                (self._now(), item_id),
            )

    def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt: try again at ``retry_at``, or give up when it is None."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE order_outbox SET attempts = attempts + 1, last_error = ?, "
                "claimed_until = NULL, due_at = COALESCE(?, due_at), given_up_at = "
                "CASE WHEN ? IS NULL THEN ? END WHERE id = ?",
                (
                    error[:500],
                    _iso(retry_at) if retry_at else None,
                    _iso(retry_at) if retry_at else None,
                    self._now(),
                    item_id,
                ),
            )

    def postpone(self, item_id: int, until: datetime) -> None:
        """Hold a notification until ``until`` (quiet hours); not a failed attempt."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE order_outbox SET due_at = ?, claimed_until = NULL WHERE id = ?",
                (_iso(until), item_id),
            )

    def sent(self) -> list[OutboxItem]:
        """Notifications sent so far, oldest first (for the operator and tests)."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT o.id, o.channel, o.recipient, o.attempts, o.last_error, e.id, "
                "e.event_key, e.kind, e.snapshot, e.created_at FROM order_outbox o "
                "JOIN order_events e ON e.id = o.event_id WHERE o.sent_at IS NOT NULL "
                "ORDER BY o.id"
            ).fetchall()
        return [
            OutboxItem(int(r[0]), _event(r[5:]), str(r[1]), str(r[2]), int(r[3]), r[4])
            for r in rows
        ]

    # --- opt-outs and chat watchers ------------------------------------------------------

    def opt_out(self, channel: str, address: str) -> None:
        """No more order updates to ``address`` on ``channel``; queued ones are dropped."""
        key = address_key(channel, address)
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO order_opt_outs VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (channel, key, self._now()),
            )
            pending = conn.execute(
                "SELECT id, recipient FROM order_outbox WHERE channel = ? AND sent_at IS NULL "
                "AND given_up_at IS NULL",
                (channel,),
            ).fetchall()
            for item_id, recipient in pending:
                if address_key(channel, str(recipient)) == key:
                    conn.execute(
                        "UPDATE order_outbox SET given_up_at = ?, last_error = 'unsubscribed' "
                        "WHERE id = ?",
                        (self._now(), item_id),
                    )

    def opted_out(self, channel: str, address: str) -> bool:
        """Whether ``address`` has unsubscribed from ``channel``."""
        with closing(self._connect()) as conn:
            return self._opted_out(conn, channel, address)

    def _opted_out(self, conn: sqlite3.Connection, channel: str, address: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM order_opt_outs WHERE channel = ? AND address_key = ?",
            (channel, address_key(channel, address)),
        ).fetchone()
        return row is not None

    def watch(
        self, conversation_id: str, shop: str, number: str, first_name: str | None = None
    ) -> None:
        """The shopper of ``conversation_id`` verified order ``number``: tell them of changes."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO order_chat_watch VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (conversation_id, shop, number) DO UPDATE SET "
                "first_name = excluded.first_name, verified_at = excluded.verified_at",
                (conversation_id, shop, number, first_name, self._now()),
            )

    def forget_conversations(self, conversations: Iterable[str]) -> int:
        """Stop watching orders for these conversations (privacy); the number removed."""
        ids = sorted(set(conversations))
        if not ids:
            return 0
        with self._transaction() as conn:
            marks = ",".join("?" * len(ids))
            cursor = conn.execute(
                f"DELETE FROM order_chat_watch WHERE conversation_id IN ({marks})", ids
            )
            return int(cursor.rowcount)

    # --- privacy -------------------------------------------------------------------------

    def forget(
        self, emails: Iterable[str], conversations: Iterable[str], *, dry_run: bool = False
    ) -> int:
        """Delete the orders, events and notifications of these email addresses (any case) and
        the chat watchers of these conversations; the number of rows removed.

        Opt-outs stay: they are what keeps the address from being messaged again.
        """
        keys = {address_key("email", email) for email in emails}
        ids = sorted(set(conversations))
        removed = 0
        with self._transaction(dry_run) as conn:
            if ids:
                marks = ",".join("?" * len(ids))
                removed += conn.execute(
                    f"DELETE FROM order_chat_watch WHERE conversation_id IN ({marks})", ids
                ).rowcount
            if keys:
                events = [
                    int(event_id)
                    for event_id, snapshot in conn.execute("SELECT id, snapshot FROM order_events")
                    if _email_key(str(snapshot)) in keys
                ]
                for event_id in events:
                    removed += conn.execute(
                        "DELETE FROM order_outbox WHERE event_id = ?", (event_id,)
                    ).rowcount
                    removed += conn.execute(
                        "DELETE FROM order_events WHERE id = ?", (event_id,)
                    ).rowcount
                states = [
                    (shop, number)
                    for shop, number, snapshot in conn.execute(
                        "SELECT shop, number, snapshot FROM order_state"
                    )
                    if _email_key(str(snapshot)) in keys
                ]
                for shop, number in states:
                    removed += conn.execute(
                        "DELETE FROM order_state WHERE shop = ? AND number = ?", (shop, number)
                    ).rowcount
        return removed

    def purge(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete events, notifications, order states and chat watchers older than ``before``;
        the number of rows removed."""
        moment = _iso(before)
        with self._transaction(dry_run) as conn:
            removed = conn.execute(
                "DELETE FROM order_outbox WHERE event_id IN "
                "(SELECT id FROM order_events WHERE created_at < ?)",
                (moment,),
            ).rowcount
            removed += conn.execute(
                "DELETE FROM order_events WHERE created_at < ?", (moment,)
            ).rowcount
            removed += conn.execute("DELETE FROM order_state WHERE seen_at < ?", (moment,)).rowcount
            removed += conn.execute(
                "DELETE FROM order_chat_watch WHERE verified_at < ?", (moment,)
            ).rowcount
        return int(removed)

    # --- polling -------------------------------------------------------------------------

    def cursor(self, shop: str) -> str | None:
        """Where the last poll of ``shop`` ended (the backend's own format)."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT cursor FROM order_poll_cursor WHERE shop = ?", (shop,)
            ).fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, shop: str, cursor: str) -> None:
        """Remember where the poll of ``shop`` ended."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO order_poll_cursor VALUES (?, ?) ON CONFLICT (shop) DO UPDATE SET "
                "cursor = excluded.cursor",
                (shop, cursor),
            )

    # --- plumbing ------------------------------------------------------------------------


def _email_key(snapshot: str) -> str:
    email = json.loads(snapshot).get("email")
    return address_key("email", str(email)) if email else ""


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _event(row: tuple[object, ...] | list[object]) -> OrderEvent:
    event_id, key, kind, snapshot, created = row
    return OrderEvent(
        id=int(str(event_id)),
        key=str(key),
        kind=str(kind),
        snapshot=OrderSnapshot.from_json(str(snapshot)),
        created_at=_parse(str(created)),
    )
