"""Webhooks from helpdesk backends: a Chatwoot agent's reply or "resolved" reaches the shopper.

Chatwoot calls ``POST /api/backends/{name}/webhook?token=...``; the token must equal
``$FAQBOT_INBOUND_TOKEN`` (set the same URL in Chatwoot's webhook settings).
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query

from handoff.api.dependencies import DeskDep
from handoff.backends.chatwoot import parse_webhook

router = APIRouter(tags=["integrations"])


@router.post("/api/backends/{name}/webhook")
def backend_webhook(
    name: str,
    desk: DeskDep,
    body: Annotated[dict[str, Any], Body()],
    token: Annotated[str, Query()] = "",
) -> dict[str, str]:
    """Apply a Chatwoot event: an agent message is sent to the shopper; resolved hands back."""
    expected = os.environ.get("FAQBOT_INBOUND_TOKEN", "")
    if not expected or not hmac.compare_digest(token, expected):
        raise HTTPException(401, "wrong or missing token (FAQBOT_INBOUND_TOKEN)")
    config = desk.settings.backends.get(name)
    if config is None or config.type != "chatwoot":
        raise HTTPException(404, f"no Chatwoot backend called {name!r} in handoff.yml")
    event = parse_webhook(body, inbox_id=config.inbox_id)
    if event is None:
        return {"result": "ignored"}
    ticket = desk.ticket_at_helpdesk(name, event.external_id)
    if ticket is None:
        return {"result": "ignored", "reason": "no open ticket for this conversation"}
    if event.kind == "resolved":
        desk.close(ticket.id, by=event.agent_name, integration=True)
        return {"result": "closed"}
    desk.helpdesk_reply(ticket.id, event.agent_name or name, event.text or "")
    return {"result": "sent"}
