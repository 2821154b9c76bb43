"""channels.sqlite_files: Rasa's SQLite tracker store and event broker run in WAL mode on a pool."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest

from tests.channels.test_python310 import run_in_rasa

pytestmark = pytest.mark.integration

# Runs in .venv-rasa: a tracker store and an event broker on files, and a tracker store in memory,
# with the patch installed (twice: idempotent); a tracker saved, read back, its events published.
_RUN = """
import asyncio, json, sys
from channels import sqlite_files
sqlite_files.install()
sqlite_files.install()
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

folder = sys.argv[1]
broker = SQLEventBroker(db=folder + "/events.db")
store = SQLTrackerStore(Domain.empty(), db=folder + "/tracker.db", event_broker=broker)
memory = SQLTrackerStore(Domain.empty(), db=":memory:")

def pragmas(engine):
    with engine.connect() as connection:
        return [connection.exec_driver_sql("PRAGMA " + name).scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout")]

async def turn():
    tracker = DialogueStateTracker.from_events(
        "shopper-1", [ActionExecuted("action_listen"), UserUttered("hei")])
    await store.save(tracker)
    again = await store.retrieve("shopper-1")
    return [e.as_dict()["event"] for e in again.events]

events = asyncio.run(turn())
print(json.dumps({
    "store": pragmas(store.engine), "broker": pragmas(broker.engine),
    "store_pool": type(store.engine.pool).__name__,
    "broker_pool": type(broker.engine.pool).__name__,
    "memory_pool": type(memory.engine.pool).__name__,
    "events": events,
}))
"""


def test_tracker_store_and_broker_files_use_wal_on_a_pool_and_keep_working(tmp_path: Path) -> None:
    found = cast(dict[str, Any], run_in_rasa(_RUN, str(tmp_path)))
    # journal_mode, synchronous (1 = NORMAL), busy_timeout in ms
    assert found["store"] == ["wal", 1, 15000]
    assert found["broker"] == ["wal", 1, 15000]
    assert found["store_pool"] == found["broker_pool"] == "QueuePool"
    assert found["memory_pool"] != "QueuePool"  # in-memory SQLite stays as Rasa made it
    assert found["events"][-2:] == ["action", "user"]
    # another process (the handoff service) reads the published events from the WAL file
    with sqlite3.connect(tmp_path / "events.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        published = [json.loads(row[0])["event"] for row in db.execute("SELECT data FROM events")]
    assert published[-2:] == ["action", "user"]
