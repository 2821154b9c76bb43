"""SQLAlchemy URLs and engines shared by bot/ and handoff/ (SQLite files or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL; None for another database or an in-memory one."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and its folder created."""
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):  # psycopg 3 is the installed driver
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # hide_parameters: errors (logged, and in API answers) never show the values, e.g. tokens
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def immediate_sqlite_writes(engine: Engine) -> None:
    """Start a SQLite ``engine``'s transactions on connections with the execution option
    ``write=True`` with ``BEGIN IMMEDIATE`` (others with a plain ``BEGIN``).

    pysqlite otherwise begins only at the first write, so what a transaction read before it
    could change under it (SQLAlchemy's documented recipe). No-op for other databases.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
