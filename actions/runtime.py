"""The one FaqService of the action server process, warmed up explicitly at start."""

from __future__ import annotations

import logging
import threading

from bot.service import FaqService
from bot.settings import load_settings

log = logging.getLogger(__name__)

_service: FaqService | None = None
_lock = threading.Lock()


def warm_up() -> FaqService:
    """Load settings, model and FAQ; start watching the FAQ files for edits."""
    global _service
    with _lock:
        if _service is None:
            service = FaqService(load_settings())
            service.warm_up()
            service.watch()
            _service = service
            log.info("FAQ service ready: %d entries", len(service.faq.entries))
    return _service


def get_service() -> FaqService:
    """The warmed-up service (warms it up on first use if the server was started another way)."""
    return _service or warm_up()
