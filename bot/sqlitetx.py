"""One SQLite write transaction, shared by the small SQLite stores (attempts, sign-ups)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


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
