"""The handoff service: the agent console and its HTTP API (OpenAPI at ``/openapi.json``).

Agents authenticate with a session cookie (HttpOnly, SameSite=Strict) and send the session's
CSRF token in ``X-CSRF-Token`` with every change. Integrations (a partner contact center)
use ``Authorization: Bearer $FAQBOT_HANDOFF_API_TOKEN`` instead.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from handoff.auth import Sessions
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
from handoff.inbound import router as inbound_router
from handoff.outbox import OutboxWorker
from handoff.store import OPEN_STATUSES, STATUSES, Store

log = logging.getLogger(__name__)

CONSOLE_DIR = Path(__file__).parent / "console"
COOKIE = "faqbot_session"
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_SECONDS = 300.0


class LoginRequest(BaseModel):
    """Agent credentials."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TextRequest(BaseModel):
    """A reply to the shopper or an internal note."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    # integrations name their own agent; console agents are taken from the session
    agent: Annotated[str | None, Field(max_length=64)] = None


class SessionInfo(BaseModel):
    """The logged-in agent and the CSRF token to send with changes."""

    agent: str
    csrf_token: str


class MessageOut(BaseModel):
    """One line of a transcript."""

    id: int
    sender: Literal["shopper", "bot", "agent", "note", "system"]
    author: str | None
    text: str
    at: str


class TicketOut(BaseModel):
    """A ticket (one escalated conversation)."""

    id: int
    conversation_id: str
    channel: str
    language: str
    status: str
    reason: str
    backend: str
    external_id: str | None
    agent: str | None
    email: str | None
    question: str | None
    faq_candidates: list[dict[str, Any]]
    paused: bool
    created_at: str
    claimed_at: str | None
    closed_at: str | None
    last_message_id: int = 0


class TicketDetail(TicketOut):
    """A ticket with its transcript (optionally only the lines after ``after``)."""

    messages: list[MessageOut]


class QueueOut(BaseModel):
    """Tickets by state, for the console."""

    agent: str
    agents_online: int
    tickets: list[TicketOut]


class Health(BaseModel):
    """Whether the service and what it depends on are up."""

    status: Literal["ok", "degraded"]
    database: bool
    rasa: bool
    outbox: dict[str, int]


class Caller(BaseModel):
    """Who is calling: a console agent (with CSRF token) or an integration."""

    agent: str
    csrf_token: str | None = None
    integration: bool = False


class LoginThrottle:
    """Refuse logins for a name after repeated failures (per process)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        """Whether ``name`` failed too often recently."""
        with self._lock:
            recent = self._failures[name]
            while recent and recent[0] < time.monotonic() - LOGIN_WINDOW_SECONDS:
                recent.popleft()
            return len(recent) >= LOGIN_FAILURES_ALLOWED

    def failed(self, name: str) -> None:
        """Count a failure."""
        with self._lock:
            self._failures[name].append(time.monotonic())

    def succeeded(self, name: str) -> None:
        """Forget failures."""
        with self._lock:
            self._failures.pop(name, None)


class Presence:
    """Records that an agent's console is open, writing at most every 10 s per agent."""

    def __init__(self, store: Store, every: float = 10.0) -> None:
        self.store, self.every = store, every
        self._last: dict[str, float] = {}

    def seen(self, agent: str) -> None:
        """The agent's console polled just now."""
        now = time.monotonic()
        if now - self._last.get(agent, -self.every) >= self.every:
            self._last[agent] = now
            self.store.touch_agent(agent)


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


def caller(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Caller:
    """The console agent of the session cookie, or an integration with the API token."""
    api_token: str = request.app.state.api_token
    if authorization and authorization.startswith("Bearer "):
        given = authorization.removeprefix("Bearer ")
        if api_token and hmac.compare_digest(given, api_token):
            return Caller(agent="integration", integration=True)
        raise HTTPException(401, "wrong API token")
    sessions: Sessions = request.app.state.sessions
    agent, csrf = sessions.agent_for(request.cookies.get(COOKIE))
    if request.method not in ("GET", "HEAD") and not (
        x_csrf_token and hmac.compare_digest(x_csrf_token, csrf)
    ):
        raise HTTPException(403, "missing or wrong X-CSRF-Token header; reload the console")
    return Caller(agent=agent, csrf_token=csrf)


Who = Annotated[Caller, Depends(caller)]


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
    sessions = Sessions(store, settings.session_hours)
    throttle = LoginThrottle()
    presence = Presence(store)
    api_token = os.environ.get("FAQBOT_HANDOFF_API_TOKEN", "")

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
    app.state.sessions = sessions
    app.state.api_token = api_token

    @app.exception_handler(HandoffError)
    async def _handoff_error(_request: Request, exc: HandoffError) -> JSONResponse:
        status = 500
        if isinstance(exc, UnknownConversation):
            status = 404
        elif isinstance(exc, InvalidTransition):
            status = 409
        elif isinstance(exc, AuthError):
            status = 401
        elif isinstance(exc, RasaUnavailable | StorageError):
            status = 503
        elif isinstance(exc, MessengerError):  # Facebook's Send API refused or did not answer
            status = 502
        return JSONResponse({"detail": str(exc)}, status_code=status)

    def ticket_out(ticket_id: int, after: int = 0) -> TicketDetail:
        ticket = desk.store.ticket(ticket_id)
        lines = desk.store.messages(ticket_id, after)
        last = lines[-1].id if lines else after
        return TicketDetail(
            **ticket.as_json(),
            last_message_id=last,
            messages=[MessageOut(**m.as_json()) for m in lines],
        )

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Database, Rasa and outbox state."""
        database = store.ping()
        rasa = desk.rasa.healthy()
        outbox = store.outbox_status() if database else {}
        ok = database and rasa
        return Health(
            status="ok" if ok else "degraded", database=database, rasa=rasa, outbox=outbox
        )

    @app.post("/api/login", response_model=SessionInfo, tags=["console"])
    def login(body: LoginRequest, response: Response) -> SessionInfo:
        """Log an agent in; sets the session cookie."""
        if throttle.blocked(body.name):
            raise HTTPException(429, "too many failed logins; wait five minutes")
        try:
            token, csrf = sessions.login(body.name, body.password)
        except AuthError:
            throttle.failed(body.name)
            raise
        throttle.succeeded(body.name)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=os.environ.get("FAQBOT_SECURE_COOKIES") == "1",
            max_age=int(settings.session_hours * 3600),
            path="/",
        )
        presence.seen(body.name)
        return SessionInfo(agent=body.name, csrf_token=csrf)

    @app.get("/api/session", response_model=SessionInfo, tags=["console"])
    def session(who: Who) -> SessionInfo:
        """The logged-in agent (401 when not logged in)."""
        return SessionInfo(agent=who.agent, csrf_token=who.csrf_token or "")

    @app.post("/api/logout", status_code=204, tags=["console"])
    def logout(request: Request, response: Response, _who: Who) -> None:
        """End the session."""
        if token := request.cookies.get(COOKIE):
            sessions.logout(token)
        response.delete_cookie(COOKIE, path="/")

    @app.get("/api/conversations", response_model=QueueOut, tags=["conversations"])
    def conversations(
        who: Who,
        status: Annotated[str | None, Query(description="comma-separated states")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> QueueOut:
        """Escalated conversations by state (default: all open ones), offline first."""
        wanted = tuple(s for s in (status or ",".join(OPEN_STATUSES)).split(",") if s)
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise HTTPException(422, f"unknown status {unknown}; use {', '.join(STATUSES)}")
        if not who.integration:
            presence.seen(who.agent)  # the console polls: this is how we know who is online
        found = store.list_tickets(wanted, limit)
        last = store.last_message_ids([t.id for t in found])
        return QueueOut(
            agent=who.agent,
            agents_online=desk._agents_online(),
            tickets=[TicketOut(**t.as_json(), last_message_id=last.get(t.id, 0)) for t in found],
        )

    @app.get("/api/tickets", response_model=list[TicketOut], tags=["conversations"])
    def all_tickets(
        _who: Who,
        status: Annotated[str | None, Query(description="comma-separated states")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[TicketOut]:
        """Tickets including closed ones, newest states as filtered."""
        wanted = tuple((status or ",".join(STATUSES)).split(","))
        return [TicketOut(**t.as_json()) for t in store.list_tickets(wanted, limit)]

    @app.get("/api/conversations/{ticket_id}", response_model=TicketDetail, tags=["conversations"])
    def conversation(ticket_id: int, _who: Who, after: int = 0) -> TicketDetail:
        """A ticket with its transcript; ``after`` returns only newer lines (for live updates)."""
        return ticket_out(ticket_id, after)

    @app.post(
        "/api/conversations/{ticket_id}/claim", response_model=TicketOut, tags=["conversations"]
    )
    def claim(ticket_id: int, who: Who) -> TicketOut:
        """Take a waiting conversation; the shopper is told a person joined.

        Overflow tickets are with the partner: only the integration API can claim them.
        """
        if not who.integration and desk.store.ticket(ticket_id).status == "overflow":
            raise InvalidTransition(f"ticket {ticket_id} is with the overflow partner")
        return TicketOut(**desk.claim(ticket_id, who.agent).as_json())

    @app.post(
        "/api/conversations/{ticket_id}/reply", response_model=MessageOut, tags=["conversations"]
    )
    def reply(ticket_id: int, body: TextRequest, who: Who) -> MessageOut:
        """Send a message to the shopper's chat window."""
        agent = (body.agent or who.agent) if who.integration else who.agent
        if who.integration and desk.store.ticket(ticket_id).status != "active":
            desk.claim(ticket_id, agent)
        return MessageOut(**desk.reply(ticket_id, agent, body.text).as_json())

    @app.post(
        "/api/conversations/{ticket_id}/note", response_model=MessageOut, tags=["conversations"]
    )
    def note(ticket_id: int, body: TextRequest, who: Who) -> MessageOut:
        """Leave an internal note (never shown to the shopper)."""
        author = (body.agent or who.agent) if who.integration else who.agent
        return MessageOut(**desk.note(ticket_id, author, body.text).as_json())

    @app.post(
        "/api/conversations/{ticket_id}/close", response_model=TicketOut, tags=["conversations"]
    )
    def close(ticket_id: int, who: Who) -> TicketOut:
        """Close the ticket and hand the chat back to the bot (another agent's chat: no)."""
        ticket = desk.store.ticket(ticket_id)
        if not who.integration and ticket.status == "active" and ticket.agent != who.agent:
            raise InvalidTransition(f"ticket {ticket_id} is handled by {ticket.agent}")
        return TicketOut(**desk.close(ticket_id, who.agent).as_json())

    app.include_router(inbound_router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/", include_in_schema=False)
    def console_page() -> FileResponse:
        return FileResponse(CONSOLE_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=CONSOLE_DIR), name="static")
    return app


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
