"""Conversations written the way Rasa 3.6's SQL tracker store writes them, for unit tests.

The table is Rasa's own ``events`` schema (``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``);
the integration test ``tests/integration/test_privacy.py`` checks the same code on real Rasa.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id);
"""


def add_events(path: Path, sender: str, events: list[dict[str, Any]]) -> None:
    """Append events (``{"event": "user", "text": ..., "timestamp": ...}``) to a conversation."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    sender,
                    event["event"],
                    event["timestamp"],
                    event.get("parse_data", {}).get("intent", {}).get("name"),
                    event.get("name") if event["event"] == "action" else None,
                    json.dumps(event),
                )
                for event in events
            ],
        )
        conn.commit()


def chat(path: Path, sender: str, at: float, *texts: str) -> None:
    """A session start, then each text as a user message and a bot reply, from ``at`` on."""
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": at}
    ]
    for i, text in enumerate(texts):
        events.append({"event": "user", "text": text, "timestamp": at + i + 0.1})
        events.append({"event": "bot", "text": "Selvä!", "timestamp": at + i + 0.2})
    add_events(path, sender, events)


def event_count(path: Path, sender: str) -> int:
    """Rows of ``sender`` in the table."""
    with closing(sqlite3.connect(path)) as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
        )
