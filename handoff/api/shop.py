"""Shop webhooks and links: WooCommerce order updates, email unsubscribe links, SMS "STOP".

They live in the handoff service because it is faqbot's one public HTTP service that already
takes webhooks (Chatwoot's); Rasa's and the action server's ports stay internal. Each call only
records (an event, an opt-out) in the order-updates database (:mod:`bot.shop.order_events`);
``faqbot shop notify`` sends the notifications.

- ``POST /api/shop/woocommerce/webhook``: an ``order.updated`` webhook, verified with
  ``X-WC-Webhook-Signature`` (base64 HMAC-SHA256 of the raw body, secret
  ``$WOOCOMMERCE_WEBHOOK_SECRET``); 401 when it does not match.
- ``GET``/``POST /api/shop/unsubscribe?token=``: the link in every order-update email (GET asks,
  POST unsubscribes, so mail scanners that open links unsubscribe nobody).
- ``POST /api/shop/sms/inbound``: the SMS gateway forwards replies
  (``{"from": "+358...", "text": "STOP"}``, ``Authorization: Bearer $FAQBOT_SMS_INBOUND_TOKEN``).
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import os
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ConfigError, ShopError
from bot.language import LANGUAGES
from bot.shop.catalog import shop_data_dir
from bot.shop.notify import load_email_texts
from bot.shop.order_events import OrderEventStore
from bot.shop.order_notify import (
    is_stop,
    load_order_settings,
    read_unsubscribe_token,
    unsubscribe_secret,
)
from bot.shop.wc_orders import is_order, signature_ok, snapshot

log = logging.getLogger(__name__)
router = APIRouter(tags=["shop"])


class WebhookResult(BaseModel):
    """What a webhook call did."""

    result: str  # recorded | ignored | ping | unsubscribed
    events: list[str] = []


class SmsReply(BaseModel):
    """A text message a shopper sent back, as the SMS gateway forwards it."""

    model_config = ConfigDict(extra="ignore")

    sender: Annotated[str, Field(alias="from", min_length=1, max_length=40)]
    text: Annotated[str, Field(max_length=2000)]


@router.post("/api/shop/woocommerce/webhook", response_model=WebhookResult)
async def woocommerce_webhook(
    request: Request,
    x_wc_webhook_signature: Annotated[str | None, Header()] = None,
) -> WebhookResult:
    """Record an order change from WooCommerce (401 when the signature is wrong)."""
    body = await request.body()
    secret = os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "")
    if not signature_ok(secret, body, x_wc_webhook_signature):
        raise HTTPException(
            401, "wrong or missing X-WC-Webhook-Signature (secret WOOCOMMERCE_WEBHOOK_SECRET)"
        )
    try:
        payload: Any = json.loads(body)
    except ValueError:
        payload = None
    if not is_order(payload):  # WooCommerce's ping on saving the webhook: webhook_id=<n>
        return WebhookResult(result="ping" if body.startswith(b"webhook_id=") else "ignored")
    return await run_in_threadpool(_record, payload)


def _record(payload: dict[str, Any]) -> WebhookResult:
    try:
        settings = load_order_settings()
    except ShopError as exc:
        raise HTTPException(503, f"order updates are not set up: {exc}") from None
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    events = OrderEventStore().observe([snapshot(payload, settings.shop)], settings.channels, today)
    return WebhookResult(result="recorded", events=[event.kind for event in events])


@router.get("/api/shop/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_page(token: Annotated[str, Query(max_length=600)] = "") -> HTMLResponse:
    """Ask whether to stop order-update emails (a button posts the answer)."""
    if _read(token) is None:
        return _page("invalid", status=400)
    return _page("question", token=token)


@router.post("/api/shop/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe(token: Annotated[str, Query(max_length=600)] = "") -> HTMLResponse:
    """Stop order-update emails to the address of ``token`` (also RFC 8058 one-click)."""
    found = _read(token)
    if found is None:
        return _page("invalid", status=400)
    OrderEventStore().opt_out(*found)
    return _page("done")


@router.post("/api/shop/sms/inbound", response_model=WebhookResult)
def sms_inbound(
    reply: SmsReply, authorization: Annotated[str | None, Header()] = None
) -> WebhookResult:
    """A shopper's SMS reply: STOP (LOPETA, SLUTA) ends order-update texts to that number."""
    expected = os.environ.get("FAQBOT_SMS_INBOUND_TOKEN", "")
    given = (authorization or "").removeprefix("Bearer ")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "wrong or missing bearer token (FAQBOT_SMS_INBOUND_TOKEN)")
    if not is_stop(reply.text):
        return WebhookResult(result="ignored")
    OrderEventStore().opt_out("sms", reply.sender)
    return WebhookResult(result="unsubscribed")


def _read(token: str) -> tuple[str, str] | None:
    try:
        secret = unsubscribe_secret()
    except ConfigError as exc:  # the shopper gets "the link doesn't work"; the log says why
        log.error("an unsubscribe link was opened: %s", exc)
        return None
    return read_unsubscribe_token(secret, token) if token else None


def _page(part: str, *, token: str = "", status: int = 200) -> HTMLResponse:
    """The page in fi, sv and en (the token does not tell the shopper's language)."""
    texts = load_email_texts(shop_data_dir() / "emails.yml").orders
    sections = []
    for lang in LANGUAGES:
        page = texts[lang].unsubscribe_page
        text = html.escape(getattr(page, part))
        section = f'<section lang="{lang}"><p>{text}</p>'
        if part == "question":
            action = html.escape(f"/api/shop/unsubscribe?token={token}")
            button = html.escape(page.button)
            section += f'<form method="post" action="{action}"><button>{button}</button></form>'
        sections.append(section + "</section>")
    body = "".join(sections)
    document = (
        '<!doctype html><html lang="fi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(texts['fi'].unsubscribe_page.button)}</title></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status)
