"""Synthetic ticket history with a known pattern, written straight into the tickets table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from handoff.store import Store, tickets

HELSINKI = ZoneInfo("Europe/Helsinki")
# weekdays: a morning peak 10–11 and an evening peak 19–20 (hours starting at 10, 11, 19, 20)
PEAK_HOURS = (10, 11, 19, 20)


def rate(moment: datetime) -> float:
    """Expected escalations in the hour starting at ``moment`` (shop's wall clock)."""
    if moment.weekday() >= 5:  # weekends: a flat, low day
        return 1.0 if 9 <= moment.hour < 22 else 0.2
    if moment.hour in PEAK_HOURS:
        return 8.0
    return 2.0 if 8 <= moment.hour < 22 else 0.3


def write_history(
    store: Store,
    until: datetime,
    days: int,
    *,
    handling_minutes: float = 6.0,
    seed: int = 14,
    backend: str = "console",
) -> int:
    """Poisson tickets for ``days`` before ``until`` (an aware hour); returns how many.

    Every ticket is claimed a minute after it came and closed ``handling_minutes`` later.
    """
    rng = np.random.default_rng(seed)
    start = until - timedelta(days=days)
    rows = []
    slot = start
    while slot < until:
        local = slot.astimezone(HELSINKI)
        for _ in range(int(rng.poisson(rate(local)))):
            created = slot + timedelta(seconds=float(rng.uniform(0, 3600)))
            claimed = created + timedelta(minutes=1)
            rows.append(
                {
                    "conversation_id": f"history-{len(rows)}",
                    "channel": "socketio",
                    "language": "fi",
                    "status": "closed",
                    "reason": "explicit_request",
                    "backend": backend,
                    "candidates": "[]",
                    "events_seen": 0,
                    "paused": False,
                    "created_at": created.astimezone(UTC),
                    "claimed_at": claimed.astimezone(UTC),
                    "closed_at": (claimed + timedelta(minutes=handling_minutes)).astimezone(UTC),
                }
            )
        slot += timedelta(hours=1)
    with store.transaction() as conn:
        conn.execute(tickets.insert(), rows)
    return len(rows)


def helsinki(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """An aware moment on Helsinki's wall clock."""
    return datetime(year, month, day, hour, tzinfo=HELSINKI)
