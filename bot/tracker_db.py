"""Rasa's SQL tracker store, read and pruned directly for privacy requests and retention.

``make run`` keeps the conversations in SQLite (``endpoints.yml``: ``tracker_store: SQL``,
``db: $FAQBOT_TRACKER_DB``, default ``.faqbot/tracker.db``); the scale-out mode keeps them in
PostgreSQL (``endpoints-scaled.yml``), named here by ``$FAQBOT_TRACKER_URL``. Rasa 3.6 writes
one row per event to the table ``events`` (``sender_id``, ``type_name``, ``timestamp`` in epoch
seconds, ``data`` as JSON) and reads a conversation back from those rows on every message, so
deleting a sender's rows forgets the conversation: Rasa starts a fresh one when the shopper
writes again. Plain SQL (SQLAlchemy): ``bot`` never imports Rasa.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bot.contact import find_emails
from bot.errors import TrackerStoreError
from bot.sqldb import create_db_engine, immediate_sqlite_writes, sqlite_file

DEFAULT_PATH = Path(".faqbot/tracker.db")
# events whose data can hold what a shopper typed or gave (text, slot values, entities)
_PERSONAL_EVENTS = ("user", "slot", "bot")
_CHUNK = 500  # senders per statement (SQLite's limit on bound parameters is 999 in old builds)

_metadata = sa.MetaData()
# Rasa's SQLTrackerStore.SQLEvent, the columns read here (Rasa creates it, faqbot never does)
events = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)


def default_path() -> Path:
    """``$FAQBOT_TRACKER_DB`` or ``.faqbot/tracker.db``."""
    return Path(os.environ.get("FAQBOT_TRACKER_DB") or DEFAULT_PATH)


def tracker_url() -> str:
    """The tracker store's SQLAlchemy URL: ``$FAQBOT_TRACKER_URL`` (e.g. the scale-out mode's
    ``postgresql://...``), else the SQLite file :func:`default_path`."""
    url = os.environ.get("FAQBOT_TRACKER_URL")
    if url:
        return url
    return f"sqlite:///{default_path()}"


class TrackerDatabase:
    """The ``events`` table of Rasa's SQL tracker store (SQLite or PostgreSQL).

    A missing file or table holds no conversations: nothing is created here. Every method
    raises :class:`bot.errors.TrackerStoreError` when the database fails.

    Args:
        location: a SQLAlchemy URL, or the path of a SQLite file; :func:`tracker_url` when None.
    """

    def __init__(self, location: str | Path | None = None) -> None:
        if location is None:
            location = tracker_url()
        # a Path is a SQLite file; a str a SQLAlchemy URL
        self.url = f"sqlite:///{location}" if isinstance(location, Path) else location
        # the SQLite file (None for PostgreSQL)
        self.path = sqlite_file(self.url)
        self._engine: sa.Engine | None = None

    def emails_of(self, senders: Iterable[str]) -> set[str]:
        """Email addresses given in these conversations (typed, or filled into a slot)."""
        found: set[str] = set()
        wanted = sorted(set(senders))
        with self._connection() as conn:
            if conn is None:
                return found
            for chunk in _chunks(wanted):
                rows = conn.execute(
                    sa.select(events.c.data).where(
                        events.c.sender_id.in_(chunk),
                        events.c.type_name.in_(_PERSONAL_EVENTS),
                        events.c.data.like("%@%"),
                    )
                )
                for (data,) in rows:
                    found.update(address.casefold() for address in _emails_in(data))
        return found

    def senders_mentioning(self, email: str) -> set[str]:
        """Conversations in which ``email`` was given (compared case-insensitively)."""
        key = email.casefold()
        with self._connection() as conn:
            if conn is None:
                return set()
            # ILIKE narrows the rows (case-insensitive on both databases); the JSON parse decides
            rows = conn.execute(
                sa.select(events.c.sender_id, events.c.data).where(
                    events.c.type_name.in_(_PERSONAL_EVENTS),
                    events.c.data.ilike(f"%{_like_escape(email)}%", escape="\\"),
                )
            )
            return {
                str(sender)
                for sender, data in rows
                if key in {address.casefold() for address in _emails_in(data)}
            }

    def forget(self, senders: Iterable[str], *, dry_run: bool = False) -> int:
        """Delete every event of these conversations; the number of events removed."""
        wanted = sorted(set(senders))
        if not wanted:
            return 0
        with self._transaction(dry_run) as conn:
            if conn is None:
                return 0
            return _delete_senders(conn, wanted)

    def purge(
        self, before: datetime, *, keep: Iterable[str] = (), dry_run: bool = False
    ) -> tuple[int, int]:
        """Delete conversations whose newest event is older than ``before``, except ``keep``
        (e.g. those with an open ticket). Returns (conversations, events) removed."""
        kept = set(keep)
        with self._transaction(dry_run) as conn:
            if conn is None:
                return 0, 0
            idle = (
                sa.select(events.c.sender_id)
                .group_by(events.c.sender_id)
                .having(sa.func.max(events.c.timestamp) < before.timestamp())
            )
            senders = [str(s) for s in conn.execute(idle).scalars() if s not in kept]
            return len(senders), _delete_senders(conn, senders)

    def dispose(self) -> None:
        """Close the database connections (a later call opens new ones)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _exists(self) -> bool:
        return self.path is None or self.path.exists()

    def _engine_once(self) -> sa.Engine:
        if self._engine is None:
            self._engine = create_db_engine(self.url)
            immediate_sqlite_writes(self._engine)
        return self._engine

    @contextmanager
    def _connection(self) -> Iterator[sa.Connection | None]:
        """A connection, or None when the file or the table does not exist (never created)."""
        if not self._exists():
            yield None
            return
        with _failures(), self._engine_once().connect() as conn:
            yield conn if sa.inspect(conn).has_table("events") else None

    @contextmanager
    def _transaction(self, dry_run: bool) -> Iterator[sa.Connection | None]:
        """One write transaction, rolled back instead of committed when ``dry_run``."""
        if not self._exists():
            yield None
            return
        with _failures(), self._engine_once().connect().execution_options(write=True) as conn:
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


@contextmanager
def _failures() -> Iterator[None]:
    """Database errors as :class:`TrackerStoreError` (SQLAlchemy's message, never a password)."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise TrackerStoreError(f"Rasa's tracker store does not answer: {exc}") from exc


def _delete_senders(conn: sa.Connection, senders: list[str]) -> int:
    removed = 0
    for chunk in _chunks(senders):
        removed += conn.execute(events.delete().where(events.c.sender_id.in_(chunk))).rowcount
    return int(removed)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _emails_in(data: object) -> list[str]:
    """Email addresses anywhere in an event's JSON (text, slot values, entities)."""
    try:
        value = json.loads(str(data))
    except ValueError:
        return find_emails(str(data))
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.extend(find_emails(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
