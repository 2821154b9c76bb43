"""How many wrong order proofs are allowed, per order number and per client, across conversations.

Someone who knows (or guesses) an order number must not walk through postal codes until the
status, carrier and tracking code come out. Every failed proof counts against three keys: the
order number, the conversation (Rasa's sender id) and, when the channel passes it, the client's
address. Too many failures within ``window_seconds`` lock the key for ``cooldown_seconds``; a
locked key is refused without asking the shop, for known and unknown order numbers alike.

Failures live in a small SQLite file (``$FAQBOT_ORDER_ATTEMPTS_DB`` or
``.faqbot/order-attempts.db``) in WAL mode, changed in ``BEGIN IMMEDIATE`` transactions, so
they survive restarts and every action server process on the machine shares them. Keys are
stored hashed. An attempt is reserved before the shop is asked and counts as a failure until it
succeeds, so guesses sent at the same time cannot get past the limit either.

Limits come from the environment (:meth:`AttemptLimits.from_env`):
``FAQBOT_ORDER_FAILURES_PER_ORDER`` (5), ``FAQBOT_ORDER_FAILURES_PER_CONVERSATION`` (3),
``FAQBOT_ORDER_FAILURES_PER_ADDRESS`` (10), ``FAQBOT_ORDER_WINDOW_SECONDS`` (3600) and
``FAQBOT_ORDER_COOLDOWN_SECONDS`` (3600).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.sqlitetx import write_transaction

DEFAULT_PATH = Path(".faqbot/order-attempts.db")

_ENV = {
    "per_order": "FAQBOT_ORDER_FAILURES_PER_ORDER",
    "per_conversation": "FAQBOT_ORDER_FAILURES_PER_CONVERSATION",
    "per_address": "FAQBOT_ORDER_FAILURES_PER_ADDRESS",
    "window_seconds": "FAQBOT_ORDER_WINDOW_SECONDS",
    "cooldown_seconds": "FAQBOT_ORDER_COOLDOWN_SECONDS",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS order_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS order_failures_key ON order_failures (key, at);
CREATE INDEX IF NOT EXISTS order_failures_at ON order_failures (at);
CREATE TABLE IF NOT EXISTS order_lockouts (
    key TEXT PRIMARY KEY,
    until REAL NOT NULL
);
"""


class AttemptLimits(BaseModel):
    """Failed proofs allowed per key within ``window_seconds``, and how long a lock lasts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_order: int = Field(default=5, ge=1)
    per_conversation: int = Field(default=3, ge=1)
    per_address: int = Field(default=10, ge=1)
    window_seconds: float = Field(default=3600.0, gt=0)
    cooldown_seconds: float = Field(default=3600.0, gt=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AttemptLimits:
        """The ``FAQBOT_ORDER_*`` limits (defaults for unset ones).

        Raises:
            ConfigError: a value is not a positive number.
        """
        env = os.environ if environ is None else environ
        given = {field: env[name].strip() for field, name in _ENV.items() if env.get(name, "")}
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            wrong = ", ".join(_ENV[str(error["loc"][0])] for error in exc.errors())
            raise ConfigError(f"{wrong} must be a positive number") from None


class Client(BaseModel):
    """Who is asking: the conversation and, when the channel knows it, the client's address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conversation: str
    address: str | None = None


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt: one failure row per key, kept unless the attempt is released."""

    rows: tuple[tuple[int, str, int], ...]  # (row id, hashed key, its limit)


def default_path() -> Path:
    """``$FAQBOT_ORDER_ATTEMPTS_DB`` or ``.faqbot/order-attempts.db``."""
    return Path(os.environ.get("FAQBOT_ORDER_ATTEMPTS_DB") or DEFAULT_PATH)


def normalise_order_number(number: str) -> str:
    """``" #100 234"`` → ``"100234"``: one key however the number was typed."""
    return "".join(number.split()).lstrip("#").casefold()


class AttemptLimiter:
    """Failed order proofs in one SQLite file (created on first use; safe across processes).

    Args:
        path: the database file; :func:`default_path` when None.
        limits: how many failures are allowed; the defaults when None.
        clock: seconds since the epoch, for tests.
    """

    def __init__(
        self,
        path: Path | None = None,
        limits: AttemptLimits | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path or default_path()
        self.limits = limits or AttemptLimits()
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    def locked(self, client: Client, order_number: str | None = None) -> bool:
        """Whether the client, or the order number when given, may not try now."""
        now = self._clock()
        with closing(self._connect()) as conn:
            return any(
                self._refused(conn, key, limit, now)
                for key, limit in self._keys(client, order_number)
            )

    def begin(self, order_number: str, client: Client) -> Attempt | None:
        """Reserve one attempt at proving ``order_number``; None when a key is locked."""
        now = self._clock()
        keys = self._keys(client, order_number)
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM order_failures WHERE at <= ?", (now - self.limits.window_seconds,)
            )
            conn.execute("DELETE FROM order_lockouts WHERE until <= ?", (now,))
            if any(self._refused(conn, key, limit, now) for key, limit in keys):
                return None
            rows = []
            for key, limit in keys:
                cursor = conn.execute(
                    "INSERT INTO order_failures (key, at) VALUES (?, ?)", (key, now)
                )
                rows.append((int(cursor.lastrowid or 0), key, limit))
            return Attempt(tuple(rows))

    def release(self, attempt: Attempt) -> None:
        """The attempt was no failure (the proof matched, or the shop did not answer)."""
        with self._transaction() as conn:
            conn.executemany(
                "DELETE FROM order_failures WHERE id = ?", [(row,) for row, _, _ in attempt.rows]
            )

    def fail(self, attempt: Attempt) -> bool:
        """The proof was wrong: the failure stays. True when a key is now locked."""
        now = self._clock()
        locked = False
        with self._transaction() as conn:
            for _, key, limit in attempt.rows:
                if self._failures(conn, key, now) >= limit:
                    conn.execute(
                        "INSERT OR REPLACE INTO order_lockouts (key, until) VALUES (?, ?)",
                        (key, now + self.limits.cooldown_seconds),
                    )
                    conn.execute("DELETE FROM order_failures WHERE key = ?", (key,))
                    locked = True
        return locked

    def forget(self, conversations: Iterable[str], *, dry_run: bool = False) -> int:
        """Delete the failures and locks kept for these conversations; the number of rows.

        Keys of order numbers and client addresses are hashed and not linked to a
        conversation; they expire with the window and the cooldown (see :meth:`purge`).
        """
        keys = sorted({_hash("conversation", conversation) for conversation in conversations})
        if not keys:
            return 0
        with self._transaction(dry_run) as conn:
            marks = ",".join("?" * len(keys))
            removed = conn.execute(f"DELETE FROM order_failures WHERE key IN ({marks})", keys)
            locks = conn.execute(f"DELETE FROM order_lockouts WHERE key IN ({marks})", keys)
            return int(removed.rowcount) + int(locks.rowcount)

    def purge(self, *, dry_run: bool = False) -> int:
        """Delete failures outside the window and locks that ended; the number of rows."""
        now = self._clock()
        with self._transaction(dry_run) as conn:
            removed = conn.execute(
                "DELETE FROM order_failures WHERE at <= ?", (now - self.limits.window_seconds,)
            )
            locks = conn.execute("DELETE FROM order_lockouts WHERE until <= ?", (now,))
            return int(removed.rowcount) + int(locks.rowcount)

    # --- internals -----------------------------------------------------------------------

    def _keys(self, client: Client, order_number: str | None) -> list[tuple[str, int]]:
        keys = [(_hash("conversation", client.conversation), self.limits.per_conversation)]
        if client.address:
            keys.append((_hash("address", client.address), self.limits.per_address))
        if order_number is not None:
            keys.append(
                (_hash("order", normalise_order_number(order_number)), self.limits.per_order)
            )
        return keys

    def _refused(self, conn: sqlite3.Connection, key: str, limit: int, now: float) -> bool:
        row = conn.execute("SELECT until FROM order_lockouts WHERE key = ?", (key,)).fetchone()
        return (row is not None and float(row[0]) > now) or self._failures(conn, key, now) >= limit

    def _failures(self, conn: sqlite3.Connection, key: str, now: float) -> int:
        row = conn.execute(
            "SELECT COUNT(*) FROM order_failures WHERE key = ? AND at > ?",
            (key, now - self.limits.window_seconds),
        ).fetchone()
        return int(row[0])

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable but for a power cut's last ms
        return conn

    @contextmanager
    def _transaction(self, dry_run: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back instead of committed when ``dry_run``."""
        with closing(self._connect()) as conn, write_transaction(conn, dry_run):
            yield conn


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
