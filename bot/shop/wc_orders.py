"""WooCommerce order changes: signed ``order.updated`` webhooks and polling as a fallback.

A webhook (WooCommerce → Settings → Advanced → Webhooks, topic "Order updated", delivery URL
``https://<handoff service>/api/shop/woocommerce/webhook``) carries the order as JSON, signed with
``X-WC-Webhook-Signature``: the base64 HMAC-SHA256 of the raw body with the webhook's secret
(``$WOOCOMMERCE_WEBHOOK_SECRET`` here). Without webhooks, ``faqbot shop notify`` polls the orders
modified since its last run (``/orders?modified_after=``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.shop.order_events import OrderSnapshot
from bot.shop.wc_client import WooCommerceClient
from bot.shop.wc_mapping import order_status

OVERLAP = timedelta(minutes=5)  # polls overlap a little: a clock skew loses no change
FIRST_POLL = timedelta(days=30)  # the first poll reads the orders of the last 30 days


def signature_ok(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the base64 HMAC-SHA256 of ``body`` with ``secret``."""
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


def sign(secret: str, body: bytes) -> str:
    """The ``X-WC-Webhook-Signature`` WooCommerce sends for ``body``."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def is_order(payload: object) -> bool:
    """Whether a webhook body is an order (WooCommerce's test ping is ``webhook_id=...``)."""
    return isinstance(payload, Mapping) and "id" in payload and "status" in payload


def snapshot(raw: Mapping[str, Any], shop: str) -> OrderSnapshot:
    """An order payload (webhook or REST) as an :class:`OrderSnapshot`."""
    status = order_status(raw)
    billing = raw.get("billing") or {}
    phone = "".join(str(billing.get("phone") or "").split()) or None
    return OrderSnapshot(
        shop=shop,
        number=status.number,
        status=status.status,
        language=status.language,
        email=str(billing.get("email") or "").strip() or None,
        phone=phone if phone and phone.startswith("+") else None,
        first_name=str(billing.get("first_name") or "").strip() or None,
        carrier=status.carrier,
        tracking_code=status.tracking_code,
        tracking_url=status.tracking_url,
        expected_delivery=status.expected_delivery,
        pickup_point=status.pickup_point,
    )


def poll(
    client: WooCommerceClient, shop: str, since: str | None, now: datetime
) -> tuple[list[OrderSnapshot], str]:
    """Orders modified since ``since`` (the last 30 days the first time) and the next cursor."""
    params: dict[str, Any] = {
        "orderby": "modified",
        "order": "asc",
        "modified_after": since or _gmt(now - FIRST_POLL),
        "dates_are_gmt": "true",
    }
    snapshots = [snapshot(raw, shop) for raw in client.get_all("orders", params)]
    return snapshots, _gmt(now - OVERLAP)


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
