"""Forgetting and purging restock sign-ups and order-proof attempts."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.shop.attempts import AttemptLimiter, AttemptLimits, Client
from bot.shop.notifications import RestockStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def rows(store: RestockStore) -> int:
    """Sign-ups in the file, emailed or not."""
    with closing(sqlite3.connect(store.path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM restock_signups").fetchone()[0])


def test_restock_forget_deletes_every_signup_of_the_address(tmp_path: Path) -> None:
    store = RestockStore(tmp_path / "restock.db", clock=lambda: NOW)
    first = store.register("Matti@Example.fi", "p1", "S", "fi")
    store.register("matti@example.fi", "p2", "M", "fi")
    other = store.register("liisa@example.fi", "p1", "S", "fi")
    store.mark_notified(first.id)  # emailed ones go too
    assert store.forget({"MATTI@example.FI"}, dry_run=True) == 2
    assert rows(store) == 3
    assert store.forget({"MATTI@example.FI"}) == 2
    assert rows(store) == 1
    assert [s.id for s in store.pending()] == [other.id]
    assert store.forget({"matti@example.fi"}) == 0
    assert store.forget(set()) == 0


def test_restock_purge_deletes_signups_older_than_the_cutoff(tmp_path: Path) -> None:
    clock = [NOW - timedelta(days=400)]
    store = RestockStore(tmp_path / "restock.db", clock=lambda: clock[0])
    old = store.register("old@example.fi", "p1", "S", "fi")
    old_sent = store.register("sent@example.fi", "p1", "S", "fi")
    store.mark_notified(old_sent.id)
    clock[0] = NOW
    new = store.register("new@example.fi", "p1", "S", "fi")
    cutoff = NOW - timedelta(days=365)
    assert store.purge(cutoff, dry_run=True) == 2
    assert rows(store) == 3
    assert store.purge(cutoff) == 2
    assert rows(store) == 1
    assert {s.id for s in store.pending()} == {new.id} != {old.id}
    assert store.purge(cutoff) == 0


def test_attempts_forget_removes_the_conversation_key(tmp_path: Path) -> None:
    limiter = AttemptLimiter(tmp_path / "attempts.db", AttemptLimits(per_conversation=2))
    alice, bob = Client(conversation="alice"), Client(conversation="bob")
    for client in (alice, alice, bob):
        attempt = limiter.begin("1001", client)
        assert attempt is not None
        limiter.fail(attempt)
    assert limiter.locked(alice)
    assert limiter.forget({"alice"}, dry_run=True) == 1
    assert limiter.locked(alice)
    assert limiter.forget({"alice"}) == 1  # the lock (its failures went when it locked)
    assert not limiter.locked(alice)
    assert limiter.forget({"bob"}) == 1
    assert limiter.forget({"alice", "bob"}) == 0


def test_attempts_purge_removes_only_expired_rows(tmp_path: Path) -> None:
    now = [1_000_000.0]
    limits = AttemptLimits(per_conversation=1, window_seconds=60, cooldown_seconds=120)
    limiter = AttemptLimiter(tmp_path / "attempts.db", limits, clock=lambda: now[0])
    attempt = limiter.begin("1001", Client(conversation="alice"))
    assert attempt is not None
    assert limiter.fail(attempt)  # alice locked; order key has one failure
    assert limiter.purge() == 0
    now[0] += 61  # the failure is out of the window, the lock still on
    assert limiter.purge() == 1
    assert limiter.locked(Client(conversation="alice"))
    now[0] += 60  # the lock has ended
    assert limiter.purge(dry_run=True) == 1
    assert limiter.purge() == 1
    assert limiter.purge() == 0
