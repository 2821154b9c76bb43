"""Rasa's SQL event broker, read by the handoff service instead of polling trackers.

Rasa (``endpoints.yml``: ``event_broker: type: SQL``) writes every new event of every
conversation as one row of the table ``events``: an autoincrement ``id``, the ``sender_id`` and
the event as JSON in ``data`` (``rasa/core/brokers/sql.py``). The handoff service reads the rows
after its persisted cursor, a primary-key range query whose cost does not depend on how many
tickets are open. Rasa creates the table; the handoff service never does.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.sqldb import immediate_sqlite_writes, sqlite_file
from handoff.errors import BrokerUnavailable, HandoffConfigError
from handoff.store import create_db_engine

log = logging.getLogger(__name__)

# Rasa's SQLEventBroker.SQLBrokerEvent, described here (never created by faqbot)
_metadata = sa.MetaData()
events = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class BrokerEvent:
    """One row of the broker table: ``event`` is Rasa's event dict (``{}`` when unreadable)."""

    id: int
    sender_id: str
    event: dict[str, Any]


class BrokerReader:
    """Reads Rasa's SQL event broker table (SQLite or PostgreSQL) by autoincrement id."""

    def __init__(
        self, url: str, gap_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.gap_seconds, self.clock = gap_seconds, clock
        self._gap: tuple[int, float] | None = None  # a missing id, and since when
        try:
            self.engine = create_db_engine(url)
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:  # never shows the URL
            raise HandoffConfigError(f"the event broker URL is not usable: {exc}") from None

    def read(self, after: int, limit: int = 500) -> list[BrokerEvent]:
        """Up to ``limit`` rows with an id above ``after``, oldest first, up to a missing id.

        Two Rasa processes writing to PostgreSQL may commit ids out of order: a row read past
        would be skipped for good, so reading stops before a missing id until it appears, or
        for ``gap_seconds`` (a rolled-back insert leaves a gap that never fills). ``after`` 0
        (nothing read yet) takes whatever comes first.

        Raises:
            BrokerUnavailable: the table or its database cannot be read.
        """
        query = sa.select(events).where(events.c.id > after).order_by(events.c.id).limit(limit)
        with self._connection() as conn:
            found = conn.execute(query).all()
        rows = [BrokerEvent(int(r.id), str(r.sender_id or ""), _event(r.id, r.data)) for r in found]
        return rows if after == 0 else self._up_to_gap(after, rows)

    def _up_to_gap(self, after: int, rows: list[BrokerEvent]) -> list[BrokerEvent]:
        for count, row in enumerate(rows):
            missing = after + 1 + count
            if row.id == missing:
                continue
            now = self.clock()
            if self._gap is None or self._gap[0] != missing:
                self._gap = (missing, now)
            if now - self._gap[1] < self.gap_seconds:
                return rows[:count]
            log.info("event broker rows %d..%d never appeared; read past them", missing, row.id - 1)
            self._gap = None
            return rows
        self._gap = None
        return rows

    def last_id(self) -> int:
        """The highest id in the table (0 when empty).

        Raises:
            BrokerUnavailable: the table or its database cannot be read.
        """
        with self._connection() as conn:
            value = conn.execute(sa.select(sa.func.max(events.c.id))).scalar_one_or_none()
        return int(value or 0)

    def delete_before(self, position: int) -> int:
        """Delete the rows below ``position`` (already read); returns how many.

        The row at ``position`` stays: SQLite gives a new row the highest id + 1, so an empty
        table would number from 1 again, behind the cursor.

        Raises:
            BrokerUnavailable: the table or its database cannot be written.
        """
        with self._connection() as conn:
            done = conn.execute(events.delete().where(events.c.id < position))
        return int(done.rowcount or 0)

    @contextmanager
    def _connection(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise BrokerUnavailable(f"the event broker table does not answer: {exc}") from exc


def _event(row_id: int, data: str | None) -> dict[str, Any]:
    """The row's event; a row that is not a JSON object is logged and read as ``{}``."""
    try:
        event = json.loads(data or "")
    except ValueError:
        event = None
    if not isinstance(event, dict):
        log.warning("event broker row %d is not a JSON object; skipped", row_id)
        return {}
    return event


class BrokerRecords:
    """Rasa's event broker table as personal data: rows the handoff service has not read yet
    (it deletes what it read within a second, so these are mostly rows written while it was
    stopped). A missing SQLite file or table holds nothing: nothing is created here.

    Args:
        url: the broker table's database (``settings.sync.event_broker_url``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_file(url)
        self._engine: sa.Engine | None = None

    def forget(self, senders: Iterable[str], *, dry_run: bool = False) -> int:
        """Remove every row of these conversations; how many.

        Raises:
            BrokerUnavailable: the database does not answer.
        """
        wanted = sorted(set(senders))
        if not wanted:
            return 0
        with self._transaction(dry_run) as conn:
            if conn is None:
                return 0
            ids: list[int] = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = sa.select(events.c.id).where(events.c.sender_id.in_(chunk))
                ids.extend(int(i) for i in conn.execute(query).scalars())
            return _remove(conn, ids)

    def purge(self, before: datetime, *, keep: Iterable[str] = (), dry_run: bool = False) -> int:
        """Remove the rows of events older than ``before``, except those of ``keep`` (open
        tickets: the handoff service still needs what their shoppers wrote); how many.

        Raises:
            BrokerUnavailable: the database does not answer.
        """
        kept, cutoff = set(keep), before.timestamp()
        with self._transaction(dry_run) as conn:
            if conn is None:
                return 0
            ids: list[int] = []
            last = 0
            while True:  # the table has no time column: the event's own timestamp decides
                page = conn.execute(
                    sa.select(events.c.id, events.c.sender_id, events.c.data)
                    .where(events.c.id > last)
                    .order_by(events.c.id)
                    .limit(1000)
                ).all()
                if not page:
                    break
                last = int(page[-1].id)
                for row in page:
                    at = _event(int(row.id), row.data).get("timestamp")
                    old = isinstance(at, int | float) and at < cutoff
                    if old and row.sender_id not in kept:
                        ids.append(int(row.id))
            return _remove(conn, ids)

    def dispose(self) -> None:
        """Close the database connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _transaction(self, dry_run: bool) -> Iterator[sa.Connection | None]:
        """One write transaction (None: no table), rolled back when ``dry_run``."""
        if self.path is not None and not self.path.exists():
            yield None
            return
        if self._engine is None:
            try:
                self._engine = create_db_engine(self.url)
            except (sa.exc.ArgumentError, ValueError, ImportError) as exc:  # never shows the URL
                raise HandoffConfigError(f"the event broker URL is not usable: {exc}") from None
            immediate_sqlite_writes(self._engine)
        try:
            with self._engine.connect().execution_options(write=True) as conn:
                transaction = conn.begin()
                try:
                    yield conn if sa.inspect(conn).has_table("events") else None
                except BaseException:
                    transaction.rollback()
                    raise
                if dry_run:
                    transaction.rollback()
                else:
                    transaction.commit()
        except sa.exc.SQLAlchemyError as exc:
            raise BrokerUnavailable(f"the event broker table does not answer: {exc}") from exc


def _remove(conn: sa.Connection, ids: list[int]) -> int:
    """Delete the rows ``ids``; the table's newest row is blanked instead: SQLite numbers a new
    row after the highest id left, so deleting it could give the next row an id the handoff
    service's cursor has already passed (and it would never be read)."""
    if not ids:
        return 0
    newest = conn.execute(sa.select(sa.func.max(events.c.id))).scalar_one()
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = [i for i in ids[start : start + 500] if i != newest]
        if chunk:
            removed += int(conn.execute(events.delete().where(events.c.id.in_(chunk))).rowcount)
    if newest in ids:
        conn.execute(events.update().where(events.c.id == newest).values(sender_id="", data="{}"))
        removed += 1
    return removed
