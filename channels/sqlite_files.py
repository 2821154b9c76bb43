"""Rasa's SQLite tracker store and event broker keep one connection, in WAL mode.

``make run`` keeps conversations (``tracker_store: SQL``) and the event stream for the handoff
service (``event_broker: SQL``) in SQLite files. Rasa 3.6 opens both with SQLAlchemy's defaults
for a SQLite file: a new connection for every session (``NullPool``), so every read parses the
file's schema again, and the rollback journal with ``synchronous=FULL``, so every commit (two per
turn: the tracker and its events for the broker) waits for the disk twice. Those commits ran in
Rasa's event loop, where every other conversation waited for them: about 14% of the time Rasa
spent handling messages under load (docs/performance.md "Event-loop stalls").

:func:`install` (fits Rasa 3.6.21; ``channels.server`` calls it) re-creates the engine of a
``SQLTrackerStore`` or ``SQLEventBroker`` that points at a SQLite file, after Rasa's own
``__init__`` has created the tables, with

- write-ahead logging (``journal_mode=WAL``): the handoff service reads the events while Rasa
  writes, without either waiting for the other;
- ``synchronous=NORMAL``: a commit is written to the WAL without waiting for the disk. Nothing
  is lost when a process crashes; a power cut or an OS crash can lose the last commits before the
  next checkpoint (SQLite's documented trade-off for WAL mode);
- a busy timeout of 15 s (as faqbot's own SQLite files, ``bot.sqldb``), so that a moment's lock
  held by another process (the privacy or retention commands) waits instead of failing a turn;
- a pool that keeps its connections (``QueuePool``). Rasa uses them from its event loop's
  thread; ``check_same_thread`` is off so that the pool may hand one to another thread as
  SQLAlchemy 2 does by default for SQLite files.

PostgreSQL (the scale-out mode) and in-memory SQLite are left as Rasa made them.
"""

from __future__ import annotations

from typing import Any

from bot.sqldb import sqlite_file

_INSTALLED = "_faqbot_sqlite_files"
BUSY_TIMEOUT_S = 15


def set_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """WAL and ``synchronous=NORMAL`` on a new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def file_engine(url: Any) -> Any:
    """A pooled engine with :func:`set_pragmas` for the SQLite file of ``url``."""
    import sqlalchemy as sa

    engine = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
    )
    sa.event.listen(engine, "connect", set_pragmas)
    return engine


def _rebuild(store: Any) -> None:
    import sqlalchemy.orm

    old = store.engine
    if sqlite_file(str(old.url)) is None:  # PostgreSQL, or SQLite in memory
        return
    store.engine = file_engine(old.url)
    old.dispose()
    store.sessionmaker = sqlalchemy.orm.sessionmaker(bind=store.engine)


def _wrap(cls: Any) -> None:
    original = cls.__init__
    if getattr(original, _INSTALLED, False):
        return

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _rebuild(self)

    setattr(__init__, _INSTALLED, True)
    __init__.__doc__ = original.__doc__
    cls.__init__ = __init__


def install() -> None:
    """Patch ``SQLTrackerStore`` and ``SQLEventBroker`` (idempotent)."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore

    _wrap(SQLTrackerStore)
    _wrap(SQLEventBroker)
