"""The one FaqService and HandoffDesk of the action server process, warmed up explicitly."""

from __future__ import annotations

import logging
import threading

from bot.service import FaqService
from bot.settings import load_settings
from handoff.config import load_handoff_settings
from handoff.desk import HandoffDesk
from handoff.errors import HandoffError
from handoff.store import Store

log = logging.getLogger(__name__)

_service: FaqService | None = None
_desk: HandoffDesk | None = None
_lock = threading.Lock()


def warm_up() -> FaqService:
    """Load settings, model and FAQ; start watching the FAQ files for edits; open the desk."""
    global _service
    with _lock:
        if _service is None:
            service = FaqService(load_settings())
            service.warm_up()
            service.watch()
            _service = service
            log.info("FAQ service ready: %d entries", len(service.faq.entries))
    try:
        get_desk()
    except HandoffError as exc:  # escalations then give the shopper our contacts instead
        log.error("handoff desk unavailable: %s", exc)
    return _service


def get_service() -> FaqService:
    """The warmed-up service (warms it up on first use if the server was started another way)."""
    return _service or warm_up()


def get_desk() -> HandoffDesk:
    """The handoff desk (tickets are written straight to the shared database)."""
    global _desk
    with _lock:
        if _desk is None:
            settings = load_handoff_settings()
            store = Store(settings.database_url)
            store.create_schema()
            _desk = HandoffDesk(settings, store)
    return _desk
