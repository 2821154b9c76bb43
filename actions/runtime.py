"""The one FaqService and HandoffDesk of the action server process, warmed up explicitly."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rasa_sdk import Tracker

from bot import heap
from bot.conversation import SLOT_LANGUAGE
from bot.encoder import RecentQueries, open_encoder
from bot.errors import FaqbotError
from bot.faq.service import FaqService
from bot.faq.settings import load_settings
from bot.reloading import LastGood, file_stamp
from bot.shop.service import ShopService
from bot.workers import WorkerPool, default_workers
from handoff.config import HandoffSettings, handoff_config_path, load_handoff_settings
from handoff.desk import HandoffDesk
from handoff.errors import HandoffError
from handoff.store import Store

log = logging.getLogger(__name__)

_service: FaqService | None = None
_desk: HandoffDesk | None = None
_shop: ShopService | None = None
_desk_settings: LastGood[HandoffSettings] | None = None
_lock = threading.Lock()
# every call that embeds text (FAQ answers, product search) runs here, not in asyncio's
# default executor: a burst of questions queues without starving the other actions' threads
_embedding_pool = WorkerPool(default_workers(), "embed")

P = ParamSpec("P")
T = TypeVar("T")


async def embedding(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn``, a call that embeds text, in the action server's embedding pool."""
    return await _embedding_pool.run(fn, *args, **kwargs)


def _warm_faq() -> FaqService:
    global _service
    if _service is None:
        settings = load_settings()
        # the FAQ and the product search embed a turn's message once between them
        service = FaqService(settings, encoder=RecentQueries(open_encoder(settings.model)))
        service.warm_up()
        service.watch()
        _service = service
        log.info("FAQ service ready: %d entries", len(service.faq.entries))
    return _service


def warm_up() -> FaqService:
    """Load settings, model and FAQ (watching the files for edits); the shop; the desk."""
    with _lock:
        service = _warm_faq()
    try:
        get_shop()
    except FaqbotError as exc:  # stock and order questions then say the shop is unavailable
        log.error("shop data unavailable: %s", exc)
    try:
        get_desk()
    except HandoffError as exc:  # escalations then give the shopper our contacts instead
        log.error("handoff desk unavailable: %s", exc)
    return service


def get_service() -> FaqService:
    """The warmed-up service (warms it up on first use if the server was started another way)."""
    return _service or warm_up()


def conversation_language(tracker: Tracker) -> str:
    """The conversation's language slot, or the configured default before it is known."""
    return tracker.get_slot(SLOT_LANGUAGE) or get_service().settings.default_language


def get_shop() -> ShopService:
    """The shop service (product search shares the FAQ's embedding model)."""
    global _shop
    with _lock:
        if _shop is None:
            _shop = ShopService.create(encoder=(_service or _warm_faq()).encoder)
    return _shop


def get_desk() -> HandoffDesk:
    """The handoff desk (tickets are written straight to the shared database).

    Edits of handoff.yml (opening hours, overflow) apply to the next escalation; an invalid
    edit is logged and the last good settings stay in use.
    """
    global _desk, _desk_settings
    with _lock:
        if _desk is None:
            settings = LastGood(
                "handoff.yml",
                lambda: file_stamp([handoff_config_path()]),
                load_handoff_settings,
                HandoffError,
            )
            store = Store(settings.value.database_url)
            store.create_schema()
            _desk, _desk_settings = HandoffDesk(settings.value, store), settings
        elif _desk_settings is not None and _desk_settings.refresh():
            # the database stays the one the desk was opened on
            url = _desk.store.url
            _desk.settings = _desk_settings.value.model_copy(update={"database_url": url})
            log.info("handoff.yml reloaded")
    return _desk


def freeze_heap() -> int:
    """Collect, then freeze every object alive now out of garbage collection; returns how many.

    After the warm-up the process holds the model, the FAQ and the shop, and none of it becomes
    garbage; without this, Python's oldest-generation collections walk all of it under load
    (pauses of 80-100 ms, docs/performance.md "Event-loop stalls"). What a reload
    replaces is still freed when nothing refers to it any more: an FAQ reload leaves no
    unreachable cycles behind (measured).
    """
    frozen = heap.freeze()
    log.info("Objects frozen out of garbage collection: %d", frozen)
    return frozen
