"""What routes get injected: the caller, and the service's desk, store, sessions and settings.

``create_app`` puts the service's objects on ``app.state``; these functions hand them to
routes, so routes never reach for globals.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from pydantic import BaseModel

from handoff.auth import LoginThrottle, Presence, Sessions
from handoff.config import HandoffSettings
from handoff.desk import HandoffDesk
from handoff.store import Store
from handoff.tickets import ROLE_LEAD

COOKIE = "faqbot_session"


class Caller(BaseModel):
    """Who is calling: a console agent (with CSRF token) or an integration."""

    agent: str
    csrf_token: str | None = None
    integration: bool = False


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


def _desk(request: Request) -> HandoffDesk:
    desk: HandoffDesk = request.app.state.desk
    return desk


def _store(request: Request) -> Store:
    store: Store = request.app.state.desk.store
    return store


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def _settings(request: Request) -> HandoffSettings:
    settings: HandoffSettings = request.app.state.settings
    return settings


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


def _presence(request: Request) -> Presence:
    presence: Presence = request.app.state.presence
    return presence


Who = Annotated[Caller, Depends(caller)]
DeskDep = Annotated[HandoffDesk, Depends(_desk)]
StoreDep = Annotated[Store, Depends(_store)]
SessionsDep = Annotated[Sessions, Depends(_sessions)]
SettingsDep = Annotated[HandoffSettings, Depends(_settings)]
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
PresenceDep = Annotated[Presence, Depends(_presence)]


def lead(who: Who, store: StoreDep) -> Caller:
    """The caller, who must be a console agent with the ``lead`` role (403 otherwise)."""
    if who.integration or store.agent_profile(who.agent).role != ROLE_LEAD:
        raise HTTPException(403, "this page is for leads; ask a lead to give you the lead role")
    return who


Lead = Annotated[Caller, Depends(lead)]
