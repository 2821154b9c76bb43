"""The console's queue shows every open ticket, however many: 1,000 and more."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from handoff.desk import HandoffDesk
from handoff.store import Store, tickets, utcnow

OPEN = 1001


def _fill(store: Store, count: int) -> set[int]:
    """``count`` open tickets in one transaction (every tenth offline)."""
    rows = [
        {
            "conversation_id": f"flood-{i}",
            "channel": "socketio",
            "language": "fi",
            "status": "offline" if i % 10 == 0 else "queued",
            "reason": "explicit_request",
            "backend": "console",
            "candidates": "[]",
            "events_seen": 0,
            "paused": i % 10 != 0,
            "created_at": utcnow(),
        }
        for i in range(count)
    ]
    with store.transaction() as conn:
        conn.execute(tickets.insert(), rows)
        return set(conn.execute(sa.select(tickets.c.id)).scalars())


def test_the_console_queue_lists_every_open_ticket(anna: TestClient) -> None:
    desk: HandoffDesk = anna.app.state.desk  # type: ignore[attr-defined]
    ids = _fill(desk.store, OPEN)
    response = anna.get("/api/conversations")  # exactly what the console polls
    assert response.status_code == 200
    tickets = response.json()["tickets"]
    assert len(tickets) == OPEN and {t["id"] for t in tickets} == ids
    statuses = [t["status"] for t in tickets]
    assert statuses == sorted(statuses, key=lambda s: s != "offline")  # offline first
    assert len(anna.get("/api/conversations?limit=10").json()["tickets"]) == 10
