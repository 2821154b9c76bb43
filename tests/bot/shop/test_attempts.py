"""The persisted limit of failed order proofs: per order number, conversation and address."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.shop.attempts import AttemptLimiter, AttemptLimits, Client

LIMITS = AttemptLimits(
    per_order=3, per_conversation=4, per_address=6, window_seconds=600, cooldown_seconds=900
)


class Clock:
    """Seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "order-attempts.db"


def limiter(db: Path, clock: Clock, limits: AttemptLimits = LIMITS) -> AttemptLimiter:
    return AttemptLimiter(db, limits, clock=clock)


def fail(attempts: AttemptLimiter, number: str, client: Client) -> bool:
    attempt = attempts.begin(number, client)
    assert attempt is not None, f"{number} was refused before failing"
    return attempts.fail(attempt)


def test_the_order_number_locks_across_conversations_and_instances(db: Path, clock: Clock) -> None:
    # every failure from a new conversation, each in its own process (a limiter on the same file)
    results = [fail(limiter(db, clock), "100238", Client(conversation=f"c{i}")) for i in range(3)]

    assert results == [False, False, True]
    fresh = Client(conversation="someone-new")
    assert limiter(db, clock).begin("100238", fresh) is None
    assert limiter(db, clock).begin(" #100 238", fresh) is None  # the same number, typed otherwise
    assert limiter(db, clock).locked(fresh, "100238")
    assert not limiter(db, clock).locked(fresh)  # the new conversation itself may ask
    assert limiter(db, clock).begin("100239", fresh) is not None  # other numbers are not locked


def test_the_lock_lasts_the_cool_down_then_the_count_starts_again(db: Path, clock: Clock) -> None:
    attempts = limiter(db, clock)
    for i in range(3):
        fail(attempts, "100238", Client(conversation=f"c{i}"))

    clock.now += 899
    assert attempts.begin("100238", Client(conversation="late")) is None
    clock.now += 2
    assert not attempts.locked(Client(conversation="late"), "100238")
    assert [fail(attempts, "100238", Client(conversation=f"d{i}")) for i in range(3)] == [
        False,
        False,
        True,
    ]


def test_failures_older_than_the_window_are_forgotten(db: Path, clock: Clock) -> None:
    attempts = limiter(db, clock)
    fail(attempts, "100238", Client(conversation="a"))
    fail(attempts, "100238", Client(conversation="b"))
    clock.now += 601

    assert not fail(attempts, "100238", Client(conversation="c"))
    assert not fail(attempts, "100238", Client(conversation="d"))
    assert fail(attempts, "100238", Client(conversation="e"))


def test_a_conversation_locks_for_every_order_number(db: Path, clock: Clock) -> None:
    attempts = limiter(db, clock)
    shopper = Client(conversation="walker")
    results = [fail(attempts, f"1002{i:02d}", shopper) for i in range(4)]

    assert results == [False, False, False, True]
    assert attempts.locked(shopper)
    assert attempts.begin("100299", shopper) is None
    assert attempts.begin("100299", Client(conversation="other")) is not None


def test_an_address_locks_whatever_the_conversation(db: Path, clock: Clock) -> None:
    attempts = limiter(db, clock)
    results = [
        fail(attempts, f"1001{i:02d}", Client(conversation=f"c{i}", address="203.0.113.9"))
        for i in range(6)
    ]

    assert results == [False] * 5 + [True]
    assert attempts.locked(Client(conversation="new", address="203.0.113.9"))
    assert not attempts.locked(Client(conversation="new", address="203.0.113.10"))


def test_a_released_attempt_is_no_failure(db: Path, clock: Clock) -> None:
    attempts = limiter(db, clock)
    for i in range(10):
        attempt = attempts.begin("100234", Client(conversation=f"c{i}"))
        assert attempt is not None
        attempts.release(attempt)  # the right proof, or the shop did not answer

    assert not attempts.locked(Client(conversation="c0"), "100234")


def test_attempts_in_flight_count_so_parallel_guesses_stop_at_the_limit(
    db: Path, clock: Clock
) -> None:
    reserved = [limiter(db, clock).begin("100238", Client(conversation=f"c{i}")) for i in range(5)]

    assert [attempt is not None for attempt in reserved] == [True, True, True, False, False]


def test_the_file_uses_wal_and_keeps_no_order_number_or_sender(db: Path, clock: Clock) -> None:
    fail(limiter(db, clock), "100238", Client(conversation="secret-sender", address="198.51.100.7"))

    files = [db, db.with_name(db.name + "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"100238" not in raw and b"secret-sender" not in raw and b"198.51.100.7" not in raw
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_limits_from_the_environment() -> None:
    assert AttemptLimits.from_env({}) == AttemptLimits()
    assert AttemptLimits().per_order == 5 and AttemptLimits().per_address == 10
    limits = AttemptLimits.from_env(
        {"FAQBOT_ORDER_FAILURES_PER_ORDER": "2", "FAQBOT_ORDER_COOLDOWN_SECONDS": " 60 "}
    )
    assert (limits.per_order, limits.cooldown_seconds, limits.per_conversation) == (2, 60.0, 3)
    with pytest.raises(ConfigError, match="FAQBOT_ORDER_FAILURES_PER_ADDRESS"):
        AttemptLimits.from_env({"FAQBOT_ORDER_FAILURES_PER_ADDRESS": "0"})
    with pytest.raises(ConfigError, match="FAQBOT_ORDER_WINDOW_SECONDS"):
        AttemptLimits.from_env({"FAQBOT_ORDER_WINDOW_SECONDS": "an hour"})
