"""Rasa's SQL tracker store, read and pruned directly for privacy requests and retention.

``make run`` keeps the conversations in SQLite (``endpoints.yml``: ``tracker_store: SQL``,
``db: $FAQBOT_TRACKER_DB``, default ``.faqbot/tracker.db``). Rasa 3.6 writes one row per event
to the table ``events`` (``sender_id``, ``type_name``, ``timestamp`` in epoch seconds, ``data``
as JSON) and reads a conversation back from those rows on every message, so deleting a
sender's rows forgets the conversation: Rasa starts a fresh one when the shopper writes again.
Plain SQL: ``bot`` never imports Rasa.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from bot.contact import find_emails
from bot.sqlitetx import write_transaction

DEFAULT_PATH = Path(".faqbot/tracker.db")
# events whose data can hold what a shopper typed or gave (text, slot values, entities)
_PERSONAL_EVENTS = ("user", "slot", "bot")


def default_path() -> Path:
    """``$FAQBOT_TRACKER_DB`` or ``.faqbot/tracker.db``."""
    return Path(os.environ.get("FAQBOT_TRACKER_DB") or DEFAULT_PATH)


class TrackerDatabase:
    """The ``events`` table of Rasa's SQLite tracker store.

    A missing file or table holds no conversations: nothing is created here.

    Args:
        path: the database file; :func:`default_path` when None.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def emails_of(self, senders: Iterable[str]) -> set[str]:
        """Email addresses given in these conversations (typed, or filled into a slot)."""
        found: set[str] = set()
        wanted = sorted(set(senders))
        if not wanted:
            return found
        with self._connection() as conn:
            if conn is None:
                return found
            marks = ",".join("?" * len(wanted))
            rows = conn.execute(
                f"SELECT data FROM events WHERE sender_id IN ({marks}) AND type_name IN "
                f"({','.join('?' * len(_PERSONAL_EVENTS))}) AND data LIKE '%@%'",
                (*wanted, *_PERSONAL_EVENTS),
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
            # LIKE is case-insensitive for ASCII in SQLite; the JSON parse below decides
            rows = conn.execute(
                f"SELECT sender_id, data FROM events WHERE type_name IN "
                f"({','.join('?' * len(_PERSONAL_EVENTS))}) AND data LIKE ? ESCAPE '\\'",
                (*_PERSONAL_EVENTS, f"%{_like_escape(email)}%"),
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
            marks = ",".join("?" * len(wanted))
            cursor = conn.execute(f"DELETE FROM events WHERE sender_id IN ({marks})", wanted)
            return int(cursor.rowcount)

    def purge(
        self, before: datetime, *, keep: Iterable[str] = (), dry_run: bool = False
    ) -> tuple[int, int]:
        """Delete conversations whose newest event is older than ``before``, except ``keep``
        (e.g. those with an open ticket). Returns (conversations, events) removed."""
        kept = sorted(set(keep))
        with self._transaction(dry_run) as conn:
            if conn is None:
                return 0, 0
            senders = [
                str(sender)
                for (sender,) in conn.execute(
                    "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?",
                    (before.timestamp(),),
                )
                if sender not in kept
            ]
            events = 0
            for start in range(0, len(senders), 500):  # SQLite's limit on bound parameters
                chunk = senders[start : start + 500]
                marks = ",".join("?" * len(chunk))
                events += conn.execute(
                    f"DELETE FROM events WHERE sender_id IN ({marks})", chunk
                ).rowcount
            return len(senders), int(events)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection | None]:
        if not self.path.exists():
            yield None
            return
        with closing(sqlite3.connect(self.path, timeout=15.0, isolation_level=None)) as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
            ).fetchone()
            yield conn if exists else None

    @contextmanager
    def _transaction(self, dry_run: bool) -> Iterator[sqlite3.Connection | None]:
        """One write transaction, rolled back instead of committed when ``dry_run``."""
        with self._connection() as conn:
            if conn is None:
                yield None
                return
            with write_transaction(conn, dry_run):
                yield conn


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
