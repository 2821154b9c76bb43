"""The agent console: login, session and logout, and the page with its static files."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from handoff.api.dependencies import (
    COOKIE,
    PresenceDep,
    SessionsDep,
    SettingsDep,
    ThrottleDep,
    Who,
)
from handoff.api.models import LoginRequest, SessionInfo
from handoff.errors import AuthError

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"

router = APIRouter()


@router.post("/api/login", response_model=SessionInfo, tags=["console"])
def login(
    body: LoginRequest,
    response: Response,
    sessions: SessionsDep,
    throttle: ThrottleDep,
    presence: PresenceDep,
    settings: SettingsDep,
) -> SessionInfo:
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


@router.get("/api/session", response_model=SessionInfo, tags=["console"])
def session(who: Who) -> SessionInfo:
    """The logged-in agent (401 when not logged in)."""
    return SessionInfo(agent=who.agent, csrf_token=who.csrf_token or "")


@router.post("/api/logout", status_code=204, tags=["console"])
def logout(request: Request, response: Response, _who: Who, sessions: SessionsDep) -> None:
    """End the session."""
    if token := request.cookies.get(COOKIE):
        sessions.logout(token)
    response.delete_cookie(COOKIE, path="/")


@router.get("/", include_in_schema=False)
def console_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "index.html")


def static_files() -> StaticFiles:
    """The console's script, styles and images, to mount at ``/static``."""
    return StaticFiles(directory=CONSOLE_DIR)
