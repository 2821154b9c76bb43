"""Conversations written the way Rasa 3.6's SQL tracker store and SQL event broker write them,
for unit tests, in a SQLite file (a Path) or any SQLAlchemy URL (e.g. PostgreSQL).

The tables are Rasa's own ``events`` schemas (``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``
and ``rasa.core.brokers.sql.SQLEventBroker.SQLBrokerEvent``); the integration test
``tests/integration/test_privacy.py`` checks the same code on real Rasa.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.sqldb import create_db_engine

_tracker = sa.MetaData()
TRACKER_EVENTS = sa.Table(
    "events",
    _tracker,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
_broker = sa.MetaData()
BROKER_EVENTS = sa.Table(
    "events",
    _broker,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("data", sa.Text),
)


def _url(location: Path | str) -> str:
    return f"sqlite:///{location}" if isinstance(location, Path) else location


def _write(location: Path | str, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    engine = create_db_engine(_url(location))
    try:
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
    finally:
        engine.dispose()


def _count(location: Path | str, table: sa.Table, sender: str) -> int:
    engine = create_db_engine(_url(location))
    try:
        with engine.connect() as conn:
            query = sa.select(sa.func.count()).where(table.c.sender_id == sender)
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def drop_events(location: Path | str) -> None:
    """Drop the ``events`` table (a fresh start in a shared test database)."""
    engine = create_db_engine(_url(location))
    try:
        TRACKER_EVENTS.drop(engine, checkfirst=True)
    finally:
        engine.dispose()


def add_events(location: Path | str, sender: str, events: list[dict[str, Any]]) -> None:
    """Append events (``{"event": "user", "text": ..., "timestamp": ...}``) to a conversation."""
    _write(
        location,
        TRACKER_EVENTS,
        [
            {
                "sender_id": sender,
                "type_name": event["event"],
                "timestamp": event["timestamp"],
                "intent_name": event.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": event.get("name") if event["event"] == "action" else None,
                "data": json.dumps(event),
            }
            for event in events
        ],
    )


def chat(location: Path | str, sender: str, at: float, *texts: str) -> None:
    """A session start, then each text as a user message and a bot reply, from ``at`` on."""
    add_events(location, sender, conversation(at, *texts))


def conversation(at: float, *texts: str) -> list[dict[str, Any]]:
    """The events :func:`chat` writes."""
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": at}
    ]
    for i, text in enumerate(texts):
        events.append({"event": "user", "text": text, "timestamp": at + i + 0.1})
        events.append({"event": "bot", "text": "Selvä!", "timestamp": at + i + 0.2})
    return events


def event_count(location: Path | str, sender: str) -> int:
    """Rows of ``sender`` in the tracker table."""
    return _count(location, TRACKER_EVENTS, sender)


def publish(location: Path | str, sender: str, events: list[dict[str, Any]]) -> None:
    """Rows of Rasa's SQL event broker (``{"sender_id": ..., **event}`` as JSON, like Rasa)."""
    _write(
        location,
        BROKER_EVENTS,
        [{"sender_id": sender, "data": json.dumps({"sender_id": sender, **e})} for e in events],
    )


def broker_count(location: Path | str, sender: str) -> int:
    """Rows of ``sender`` in the broker table."""
    return _count(location, BROKER_EVENTS, sender)
