"""Order updates in the chat: a proactive bot message to a shopper who verified the order there.

The message is appended to the Rasa conversation as a bot event with side effects, exactly as the
desk delivers an agent's reply (:class:`handoff.delivery.RasaDelivery`): Rasa records it in the
tracker and sends it to the conversation's latest channel, the web chat widget's socket.io. The
text is ``utter_order_update_<kind>`` of domain.yml in the conversation's language. A late order
also sets the "offer a person" slots, so the shopper's "yes" escalates like any late order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bot.conversation import (
    AWAITING_OFFER_HUMAN,
    REASON_LATE_ORDER,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_LANGUAGE,
)
from bot.errors import NotificationError
from bot.responses import fill, load_responses, pick_variation
from bot.shop.order_events import OrderEvent
from handoff.errors import HandoffConfigError, RasaUnavailable, UnknownConversation
from handoff.rasa import Event, RasaClient, bot_message, set_slot


class RasaOrderChat:
    """:class:`bot.shop.order_notify.ChatSender` through Rasa's HTTP API."""

    def __init__(self, rasa: RasaClient, domain_file: Path) -> None:
        self.rasa = rasa
        self._responses = load_responses(domain_file)

    @classmethod
    def from_env(cls) -> RasaOrderChat | None:
        """Rasa at ``$RASA_URL`` (default http://127.0.0.1:5005) with ``$RASA_AUTH_TOKEN``;
        None (chat updates wait) when the token is not set."""
        try:
            rasa = RasaClient(os.environ.get("RASA_URL") or "http://127.0.0.1:5005")
        except HandoffConfigError:
            return None
        return cls(rasa, Path(os.environ.get("FAQBOT_DOMAIN_FILE") or "domain.yml"))

    def events(self, event: OrderEvent, language: str) -> list[Event]:
        """The Rasa events that tell the shopper about ``event`` in ``language``."""
        snap = event.snapshot
        greeting = ""
        if snap.first_name:
            template = self._variation("utter_order_update_greeting", language)
            greeting = fill(str(template.get("text", "")), {"first_name": snap.first_name})
        variation = self._variation(f"utter_order_update_{event.kind}", language)
        expected = snap.expected_delivery
        values = {
            "greeting": greeting,
            "number": snap.number,
            "tracking_code": snap.tracking_code or "–",
            "tracking_url": snap.tracking_url or "",
            "carrier": snap.carrier or "–",
            "expected": f"{expected.day}.{expected.month}.{expected.year}" if expected else "–",
            "pickup": "",
        }
        if snap.pickup_point:
            where = self._variation("utter_order_pickup_point", language)
            values["pickup"] = fill(str(where.get("text", "")), {"pickup_point": snap.pickup_point})
        buttons = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in variation.get("buttons") or []
        ]
        text = fill(str(variation.get("text", "")), values)
        events = [bot_message(text, buttons=buttons, metadata={"language": language})]
        if event.kind == "late":
            events += [
                set_slot(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
                set_slot(SLOT_ESCALATION_REASON, REASON_LATE_ORDER),
            ]
        return events

    def send(self, conversation_id: str, event: OrderEvent) -> None:
        """Append the message to the conversation (Rasa delivers it to the widget).

        Raises:
            NotificationError: Rasa did not take it (retryable), or the conversation is gone.
        """
        try:
            tracker = self.rasa.tracker(conversation_id)
            slots: dict[str, Any] = tracker.get("slots") or {}
            language = str(slots.get(SLOT_LANGUAGE) or event.snapshot.language)
            self.rasa.append_events(conversation_id, self.events(event, language))
        except UnknownConversation as exc:
            raise NotificationError(str(exc), retryable=False) from None
        except RasaUnavailable as exc:
            raise NotificationError(str(exc)) from None

    def _variation(self, name: str, language: str) -> dict[str, Any]:
        return pick_variation(self._responses, name, language)
