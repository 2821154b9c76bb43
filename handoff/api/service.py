"""The service itself: whether it and what it depends on are up."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter

from handoff.api.dependencies import DeskDep
from handoff.api.models import Health
from handoff.errors import StorageError

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health(desk: DeskDep) -> Health:
    """Database, Rasa and outbox state."""
    database = desk.store.ping()
    rasa = desk.rasa.healthy()
    outbox: dict[str, int] = {}
    if database:
        with contextlib.suppress(StorageError):  # answering, its tables not created yet
            outbox = desk.store.outbox_status()
    ok = database and rasa
    return Health(status="ok" if ok else "degraded", database=database, rasa=rasa, outbox=outbox)
