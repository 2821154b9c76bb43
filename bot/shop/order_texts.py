"""The texts of order-update emails and text messages (``orders:`` in ``data/shop/emails.yml``)."""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.language import LANGUAGES, Language
from bot.yamlfile import YamlDocument

NonEmpty = Annotated[str, Field(min_length=1)]
KINDS = ("processing", "shipped", "ready_for_pickup", "delivered", "cancelled", "late")
FIELDS = {
    "number",
    "greeting",
    "tracking",
    "tracking_url",
    "tracking_code",
    "carrier",
    "expected",
    "pickup",
    "pickup_point",
    "shop",
    "unsubscribe",
}


class OrderEventText(BaseModel):
    """Email subject and body, and the text message, of one event kind."""

    model_config = ConfigDict(extra="forbid")

    subject: NonEmpty
    body: NonEmpty
    sms: NonEmpty


class UnsubscribePage(BaseModel):
    """The page an unsubscribe link opens: a question with a button, then the answer."""

    model_config = ConfigDict(extra="forbid")

    question: NonEmpty
    button: NonEmpty
    done: NonEmpty
    invalid: NonEmpty


class OrderTexts(BaseModel):
    """The order-update texts of one language."""

    model_config = ConfigDict(extra="forbid")

    greeting: NonEmpty  # with {first_name}
    greeting_plain: NonEmpty
    tracking: NonEmpty  # {tracking_code}, {carrier}, {tracking_url}
    pickup: NonEmpty  # {pickup_point}
    unsubscribe: NonEmpty  # {url}
    sms_stop: NonEmpty
    unsubscribe_page: UnsubscribePage
    events: dict[str, OrderEventText]


def check_order_texts(doc: YamlDocument, texts: dict[Language, OrderTexts]) -> None:
    """Append to ``doc.problems`` every missing language or event and unknown placeholder."""
    if not texts:
        return  # no order updates in this shop
    for lang in LANGUAGES:
        if lang not in texts:
            doc.problems.append(f"{doc.where(('orders',))}: orders.{lang} is missing")
    for lang, text in texts.items():
        for kind in KINDS:
            if kind not in text.events:
                doc.problems.append(
                    f"{doc.where(('orders', lang, 'events'))}: "
                    f"orders.{lang}.events.{kind} is missing"
                )
        for kind in text.events:
            if kind not in KINDS:
                doc.problems.append(
                    f"{doc.where(('orders', lang, 'events', kind), at_key=True)}: "
                    f"orders.{lang}.events.{kind}: unknown event; use {', '.join(KINDS)}"
                )
        parts: list[tuple[tuple[str | int, ...], str, set[str]]] = [
            (("greeting",), text.greeting, {"first_name"}),
            (("tracking",), text.tracking, {"tracking_code", "carrier", "tracking_url"}),
            (("pickup",), text.pickup, {"pickup_point"}),
            (("unsubscribe",), text.unsubscribe, {"url"}),
            (("sms_stop",), text.sms_stop, set()),
        ]
        for kind, event in text.events.items():
            for part in ("subject", "body", "sms"):
                parts.append((("events", kind, part), getattr(event, part), FIELDS))
        for key, template, allowed in parts:
            unknown = _placeholders(template) - allowed
            if unknown:
                dotted = ".".join(str(k) for k in key)
                doc.problems.append(
                    f"{doc.where(('orders', lang, *key))}: orders.{lang}.{dotted}: unknown "
                    f"placeholder(s) {', '.join(sorted(unknown))}; use "
                    f"{', '.join(sorted(allowed)) or 'none'}"
                )


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}
