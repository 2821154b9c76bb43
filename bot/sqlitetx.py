"""One SQLite write transaction, and the base of the small SQLite stores (sign-ups, orders)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar


@contextmanager
def write_transaction(conn: sqlite3.Connection, dry_run: bool = False) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` on ``conn`` (opened with ``isolation_level=None``); commit at the end,
    or roll back on an error or when ``dry_run``."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("ROLLBACK" if dry_run else "COMMIT")


def utc_now() -> datetime:
    """The current time in UTC (the default clock of the stores)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``moment`` as the stores keep it: UTC ISO 8601 to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class SqliteStore:
    """A store in one SQLite file, its tables created on first use; safe across processes.

    A subclass sets :attr:`schema` and :meth:`default_path`.

    Args:
        path: the database file; :meth:`default_path` when None.
        clock: the current time (UTC), for tests.
    """

    schema: ClassVar[str] = ""

    def __init__(
        self, path: Path | None = None, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.path = path or self.default_path()
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.executescript(self.schema)

    @staticmethod
    def default_path() -> Path:
        """Where the file is when no path is given."""
        raise NotImplementedError

    def _now(self) -> str:
        return iso(self._clock())

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0, isolation_level=None)

    @contextmanager
    def _transaction(self, dry_run: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back instead of committed when ``dry_run``."""
        with closing(self._connect()) as conn, write_transaction(conn, dry_run):
            yield conn
