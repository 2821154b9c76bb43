"""Forgetting and purging conversations in Rasa's SQL tracker store (bot/tracker_db.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import TrackerStoreError
from bot.tracker_db import TrackerDatabase, default_path, tracker_url
from tests.own_postgres import own_postgres, own_postgres_databases
from tests.tracker_rows import add_events, chat, drop_events, event_count

__all__ = ["own_postgres", "own_postgres_databases"]  # fixtures

NOW = datetime(2026, 6, 1, tzinfo=UTC)
YEAR_AGO = (NOW - timedelta(days=400)).timestamp()


@pytest.fixture(params=["sqlite", "postgresql"])
def path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A tracker database with three conversations, one of them old: a SQLite file, or a
    PostgreSQL URL (the scale-out mode's tracker store)."""
    db: Path | str = tmp_path / "tracker.db"
    if request.param == "postgresql":
        db = request.getfixturevalue("own_postgres")
        drop_events(db)
    chat(db, "alice", NOW.timestamp(), "hei", "sähköpostini on Alice.A@Example.fi")
    chat(db, "bob", NOW.timestamp(), "hello")
    chat(db, "old", YEAR_AGO, "moi")
    return db


def test_forget_deletes_only_that_conversation(path: Path | str) -> None:
    tracker = TrackerDatabase(path)
    assert tracker.forget({"alice"}) == 5
    assert event_count(path, "alice") == 0
    assert event_count(path, "bob") == 3
    assert tracker.forget({"alice"}) == 0  # idempotent


def test_dry_run_counts_and_keeps(path: Path | str) -> None:
    assert TrackerDatabase(path).forget({"alice"}, dry_run=True) == 5
    assert event_count(path, "alice") == 5


def test_emails_typed_or_in_slots_link_conversations(path: Path | str) -> None:
    add_events(
        path,
        "carol",
        [{"event": "slot", "name": "restock_email", "value": "c@example.se", "timestamp": 1.0}],
    )
    tracker = TrackerDatabase(path)
    assert tracker.emails_of({"alice"}) == {"alice.a@example.fi"}
    assert tracker.emails_of({"carol", "bob"}) == {"c@example.se"}
    assert tracker.senders_mentioning("ALICE.A@example.FI") == {"alice"}
    assert tracker.senders_mentioning("c@example.se") == {"carol"}
    # a LIKE wildcard in the address matches nothing else
    assert tracker.senders_mentioning("c@example_se") == set()
    assert tracker.senders_mentioning("a.a@example.fi") == set()  # not a part of another


def test_purge_removes_idle_conversations_except_kept(path: Path | str) -> None:
    chat(path, "old-with-open-ticket", YEAR_AGO, "haluan ihmisen")
    tracker = TrackerDatabase(path)
    before = NOW - timedelta(days=365)
    assert tracker.purge(before, keep={"old-with-open-ticket"}, dry_run=True) == (1, 3)
    assert event_count(path, "old") == 3
    assert tracker.purge(before, keep={"old-with-open-ticket"}) == (1, 3)
    assert event_count(path, "old") == 0
    assert event_count(path, "old-with-open-ticket") == 3
    assert event_count(path, "alice") == 5
    assert tracker.purge(before, keep={"old-with-open-ticket"}) == (0, 0)


def test_a_conversation_with_recent_events_is_kept_whole(path: Path | str) -> None:
    chat(path, "old", NOW.timestamp(), "olen taas täällä")
    assert TrackerDatabase(path).purge(NOW - timedelta(days=365)) == (0, 0)
    assert event_count(path, "old") == 6


def test_missing_database_holds_nothing_and_is_not_created(tmp_path: Path) -> None:
    tracker = TrackerDatabase(tmp_path / "none.db")
    assert tracker.forget({"alice"}) == 0
    assert tracker.purge(NOW) == (0, 0)
    assert tracker.senders_mentioning("a@example.fi") == set()
    assert tracker.emails_of({"alice"}) == set()
    assert not (tmp_path / "none.db").exists()


def test_default_path_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAQBOT_TRACKER_DB", str(tmp_path / "t.db"))
    assert default_path() == tmp_path / "t.db"
    monkeypatch.delenv("FAQBOT_TRACKER_DB")
    assert default_path() == Path(".faqbot/tracker.db")


def test_the_tracker_url_names_sqlite_or_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FAQBOT_TRACKER_URL", raising=False)
    monkeypatch.setenv("FAQBOT_TRACKER_DB", str(tmp_path / "t.db"))
    assert tracker_url() == f"sqlite:///{tmp_path / 't.db'}"
    assert TrackerDatabase().path == tmp_path / "t.db"
    monkeypatch.setenv("FAQBOT_TRACKER_URL", "postgresql://u@db.internal/shop_tracker")
    assert tracker_url() == "postgresql://u@db.internal/shop_tracker"
    tracker = TrackerDatabase()
    assert tracker.url == "postgresql://u@db.internal/shop_tracker" and tracker.path is None


def test_a_postgresql_database_without_the_table_holds_nothing(own_postgres: str) -> None:
    drop_events(own_postgres)
    tracker = TrackerDatabase(own_postgres)
    assert tracker.forget({"alice"}) == 0
    assert tracker.purge(NOW) == (0, 0)
    assert tracker.senders_mentioning("a@example.fi") == set()
    tracker.dispose()


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    tracker = TrackerDatabase(tmp_path)  # a folder, not a database file
    with pytest.raises(TrackerStoreError, match="tracker store does not answer"):
        tracker.forget({"alice"})
