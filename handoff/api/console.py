"""The agent console: login, session and logout, and the page with its static files."""

from __future__ import annotations

import math
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


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
FORWARDED = ("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host")


@router.post(
    "/api/login",
    response_model=SessionInfo,
    tags=["console"],
    responses={429: {"description": "too many failed logins; see Retry-After"}},
)
def login(
    request: Request,
    body: LoginRequest,
    response: Response,
    sessions: SessionsDep,
    throttle: ThrottleDep,
    presence: PresenceDep,
    settings: SettingsDep,
) -> SessionInfo:
    """Log an agent in; sets the session cookie."""
    client = request.client.host if request.client else "unknown"
    wait = throttle.wait_seconds(body.name, client)
    if wait > 0:
        seconds = math.ceil(wait)
        raise HTTPException(
            429,
            f"too many failed logins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    try:
        token, csrf = sessions.login(body.name, body.password)
    except AuthError:
        throttle.failed(body.name, client)
        raise
    throttle.succeeded(body.name, client)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request, settings.secure_cookies),
        max_age=int(settings.session_hours * 3600),
        path="/",
    )
    presence.seen(body.name)
    return SessionInfo(agent=body.name, csrf_token=csrf)


def secure_cookie(request: Request, setting: str) -> bool:
    """Whether the session cookie gets the Secure flag.

    ``auto`` sets it except for a direct plain-http request to this machine (``make run`` on
    http://127.0.0.1), where browsers would otherwise have no cookie to send back; anything
    reached by a public name, over https or through a proxy gets it.
    """
    if setting != "auto":
        return setting == "always"
    direct = not any(request.headers.get(name) for name in FORWARDED)
    local = request.url.scheme == "http" and request.url.hostname in LOOPBACK
    return not (direct and local)


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
