"""The handoff service: the agent console and its HTTP API (OpenAPI at ``/openapi.json``).

Agents authenticate with a session cookie (HttpOnly, SameSite=Strict) and send the session's
CSRF token in ``X-CSRF-Token`` with every change. Integrations (a partner contact center)
use ``Authorization: Bearer $FAQBOT_HANDOFF_API_TOKEN`` instead. The routes are in
:mod:`handoff.api`; this module wires them, the error answers, the security headers and the
background threads (:mod:`handoff.background`). The service starts even when the ticket
database does not answer: ``/health`` says so and API calls answer 503 until it does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from handoff.api import (
    console,
    conversations,
    forecast,
    help,
    insights,
    integrations,
    service,
    shop,
)
from handoff.auth import LoginThrottle, Presence, Sessions
from handoff.background import BackgroundLoop, Schema, background_loops
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
from handoff.logs import FailureLog, install_redaction, redact
from handoff.outbox import OutboxWorker
from handoff.privacy import RetentionPurge
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


def create_app(
    settings: HandoffSettings,
    desk: HandoffDesk | None = None,
    worker: OutboxWorker | None = None,
    background: bool = True,
) -> FastAPI:
    """The FastAPI application; ``background`` starts the sync, outbox and retention threads."""
    store = desk.store if desk else Store(settings.database_url)
    desk = desk or HandoffDesk(settings, store)
    worker = worker or OutboxWorker(settings, store)

    schema = Schema(store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        install_redaction(("", "uvicorn", "uvicorn.error", "uvicorn.access"))
        try:
            schema.ensure()
        except StorageError as exc:
            log.error("%s; starting anyway: the tables are created once it answers", exc)
        loops = background_loops(desk, worker, schema) if background else []
        hours = settings.privacy.purge_every_hours
        if background and hours > 0:  # at start, then every `hours` (README "Privacy")
            purge = RetentionPurge(settings, store)
            loops.append(BackgroundLoop("handoff-retention", purge.run_once, hours * 3600, schema))
        for loop in loops:
            loop.start()
        yield
        for loop in loops:
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
    app.state.failures = FailureLog(log)

    app.add_exception_handler(HandoffError, _handoff_error)  # type: ignore[arg-type]
    limits = settings.limits
    app.add_middleware(
        BodyLimit, max_bytes=limits.max_body_bytes, webhook_bytes=limits.max_webhook_body_bytes
    )
    app.middleware("http")(_security_headers)  # added last: around everything, 413s included
    for module in (service, console, conversations, integrations, forecast, help, insights, shop):
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


STORAGE_DOWN = "the ticket database does not answer; try again soon"


async def _handoff_error(request: Request, exc: HandoffError) -> JSONResponse:
    detail = redact(str(exc))
    if isinstance(exc, StorageError):  # the details (URL, SQL) are for the log, not callers
        failures: FailureLog = request.app.state.failures
        failures.failed("API", detail)  # consoles poll: not once per request
        detail = STORAGE_DOWN
    return JSONResponse({"detail": detail}, status_code=status_for(exc))


async def _security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
