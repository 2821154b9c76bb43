"""Restock notification sign-ups, kept in a small SQLite database.

The file is ``$FAQBOT_RESTOCK_DB`` or ``.faqbot/restock.db``. A sign-up is pending until
``faqbot shop notify`` (:mod:`bot.shop.notify`) has emailed it; the same email address signing up
for the same variant again while pending changes nothing (but its language).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.contact import is_valid_email
from bot.language import LANGUAGES
from bot.shop.models import Product, Variant
from bot.sqlitetx import SqliteStore
from bot.sqlitetx import iso as _iso

DEFAULT_PATH = Path(".faqbot/restock.db")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS restock_signups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    product_id TEXT NOT NULL,
    variant_sku TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    notified_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_until TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS restock_one_pending
    ON restock_signups (email_key, product_id, variant_sku) WHERE notified_at IS NULL;
"""
_COLUMNS = (
    "id, email, product_id, variant_sku, language, created_at, notified_at, attempts, last_error"
)


@dataclass(frozen=True)
class Signup:
    """One shopper waiting for one variant."""

    id: int
    email: str
    product_id: str
    variant_sku: str
    language: str
    created_at: datetime
    notified_at: datetime | None = None
    attempts: int = 0  # failed sending attempts so far
    last_error: str | None = None


def default_path() -> Path:
    """``$FAQBOT_RESTOCK_DB`` or ``.faqbot/restock.db``."""
    return Path(os.environ.get("FAQBOT_RESTOCK_DB") or DEFAULT_PATH)


class RestockStore(SqliteStore):
    """The sign-ups in one SQLite file (created on first use; safe across processes).

    The file is :func:`default_path` unless given (see :class:`~bot.sqlitetx.SqliteStore`).
    """

    schema = _SCHEMA
    default_path = staticmethod(default_path)

    def register(
        self, email: str, product: Product | str, variant: Variant | str, language: str
    ) -> Signup:
        """Sign ``email`` up for ``variant`` (a Variant or its SKU) of ``product`` (or its id).

        Raises:
            ValueError: the email address or the language is not valid.
        """
        email = email.strip()
        if not is_valid_email(email):
            raise ValueError(f"not an email address: {email!r}")
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        product_id = product.id if isinstance(product, Product) else str(product)
        sku = variant.sku if isinstance(variant, Variant) else str(variant)
        key = (email.casefold(), product_id, sku)
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT id FROM restock_signups WHERE email_key = ? AND product_id = ? "
                "AND variant_sku = ? AND notified_at IS NULL",
                key,
            ).fetchone()
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO restock_signups (email, email_key, product_id, variant_sku, "
                    "language, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (email, *key, language, self._now()),
                )
                signup_id = int(cursor.lastrowid or 0)
            else:
                signup_id = int(row[0])
                conn.execute(
                    "UPDATE restock_signups SET language = ? WHERE id = ?", (language, signup_id)
                )
            return _signup(
                conn.execute(
                    f"SELECT {_COLUMNS} FROM restock_signups WHERE id = ?", (signup_id,)
                ).fetchone()
            )

    def pending(self) -> list[Signup]:
        """Sign-ups not emailed yet, oldest first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM restock_signups WHERE notified_at IS NULL ORDER BY id"
            ).fetchall()
        return [_signup(row) for row in rows]

    def mark_notified(self, signup_id: int) -> None:
        """Record that the email for ``signup_id`` went out (it is never sent again)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE restock_signups SET notified_at = ?, last_error = NULL, "
                "claimed_until = NULL WHERE id = ? AND notified_at IS NULL",
                (self._now(), signup_id),
            )

    def record_failure(self, signup_id: int, error: str) -> None:
        """Count a failed attempt; the sign-up stays pending for the next run."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE restock_signups SET attempts = attempts + 1, last_error = ?, "
                "claimed_until = NULL WHERE id = ?",
                (error[:500], signup_id),
            )

    def claim(self, signup_id: int, seconds: float = 600.0) -> bool:
        """Reserve a pending sign-up for sending, so two overlapping runs never both send it."""
        now = self._clock()
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE restock_signups SET claimed_until = ? WHERE id = ? "
                "AND notified_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)",
                (_iso(now + timedelta(seconds=seconds)), signup_id, _iso(now)),
            )
            return cursor.rowcount == 1

    def forget(self, emails: Iterable[str], *, dry_run: bool = False) -> int:
        """Delete every sign-up of these addresses (any case); the number removed."""
        keys = sorted({email.strip().casefold() for email in emails})
        if not keys:
            return 0
        with self._transaction(dry_run) as conn:
            marks = ",".join("?" * len(keys))
            cursor = conn.execute(f"DELETE FROM restock_signups WHERE email_key IN ({marks})", keys)
            return int(cursor.rowcount)

    def purge(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete sign-ups made before ``before``, emailed or not; the number removed.

        A sign-up still pending after the retention period is for a variant that has not come
        back in all that time; the shopper's address is not kept for it any longer.
        """
        with self._transaction(dry_run) as conn:
            cursor = conn.execute(
                "DELETE FROM restock_signups WHERE created_at < ?", (_iso(before),)
            )
            return int(cursor.rowcount)


def _signup(row: tuple[object, ...]) -> Signup:
    signup_id, email, product_id, sku, language, created, notified, attempts, error = row
    return Signup(
        id=int(str(signup_id)),
        email=str(email),
        product_id=str(product_id),
        variant_sku=str(sku),
        language=str(language),
        created_at=datetime.fromisoformat(str(created)),
        notified_at=datetime.fromisoformat(str(notified)) if notified else None,
        attempts=int(str(attempts)),
        last_error=str(error) if error is not None else None,
    )
