"""The handoff service: the agent console and its HTTP API (OpenAPI at ``/openapi.json``).

Agents authenticate with a session cookie (HttpOnly, SameSite=Strict) and send the session's
CSRF token in ``X-CSRF-Token`` with every change. Integrations (a partner contact center)
use ``Authorization: Bearer $FAQBOT_HANDOFF_API_TOKEN`` instead. The routes are in
:mod:`handoff.api`; this module wires them, the error answers, the security headers and the
background thread.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from handoff.api import console, conversations, integrations, service
from handoff.auth import LoginThrottle, Presence, Sessions
from handoff.bodylimit import BodyLimit
from handoff.config import HandoffSettings
from handoff.desk import HandoffDesk
from handoff.errors import (
    AuthError,
    HandoffError,
    InvalidTransition,
    MessengerError,
    RasaUnavailable,
    StorageError,
    UnknownConversation,
)
from handoff.outbox import OutboxWorker
from handoff.store import Store

log = logging.getLogger(__name__)

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


class BackgroundLoop:
    """Reads shopper messages from Rasa and delivers the outbox, in one daemon thread."""

    def __init__(self, desk: HandoffDesk, worker: OutboxWorker, interval: float = 0.5) -> None:
        self.desk, self.worker, self.interval = desk, worker, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-sync", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.desk.sync_from_rasa()
                self.worker.run_once()
            except HandoffError as exc:
                log.warning("background sync: %s", exc)
            except Exception:  # the loop must survive anything and keep syncing
                log.exception("background sync failed")
            self._stop.wait(self.interval)


def create_app(
    settings: HandoffSettings,
    desk: HandoffDesk | None = None,
    worker: OutboxWorker | None = None,
    background: bool = True,
) -> FastAPI:
    """The FastAPI application; ``background`` starts the sync/outbox thread."""
    store = desk.store if desk else Store(settings.database_url)
    desk = desk or HandoffDesk(settings, store)
    worker = worker or OutboxWorker(settings, store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        store.create_schema()
        loop = BackgroundLoop(desk, worker) if background else None
        if loop:
            loop.start()
        yield
        if loop:
            loop.stop()

    app = FastAPI(
        title="faqbot handoff",
        version="1.0",
        description="Agent console API and integration API of faqbot's human handoff.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.desk = desk
    app.state.settings = settings
    app.state.sessions = Sessions(store, settings.session_hours)
    app.state.throttle = LoginThrottle()
    app.state.presence = Presence(store)
    app.state.api_token = os.environ.get("FAQBOT_HANDOFF_API_TOKEN", "")

    app.add_exception_handler(HandoffError, _handoff_error)  # type: ignore[arg-type]
    limits = settings.limits
    app.add_middleware(
        BodyLimit, max_bytes=limits.max_body_bytes, webhook_bytes=limits.max_webhook_body_bytes
    )
    app.middleware("http")(_security_headers)  # added last: around everything, 413s included
    for module in (service, console, conversations, integrations):
        app.include_router(module.router)
    app.mount("/static", console.static_files(), name="static")
    return app


def status_for(exc: HandoffError) -> int:
    """The HTTP status that answers a handoff error."""
    if isinstance(exc, UnknownConversation):
        return 404
    if isinstance(exc, InvalidTransition):
        return 409
    if isinstance(exc, AuthError):
        return 401
    if isinstance(exc, RasaUnavailable | StorageError):
        return 503
    if isinstance(exc, MessengerError):  # Facebook's Send API refused or did not answer
        return 502
    return 500


async def _handoff_error(_request: Request, exc: HandoffError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))


async def _security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
