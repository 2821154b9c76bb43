"""Where is my order? Order number, then email address or postal code, then the status."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import LEAVING_INTENTS, declines, form_answer, latest_intent
from actions.runtime import conversation_language, get_shop
from actions.shop_stock import date_text, shop_down
from actions.texts import say
from bot.contact import find_proof
from bot.errors import ShopError, ShopUnavailable
from bot.shop.service import find_order_number

MAX_ATTEMPTS = 3


FORM_SLOTS = ("order_number", "order_proof", "order_attempts", "order_locked")


class ValidateOrderStatusForm(FormValidationAction):
    """Reads the order number from any message; checks the proof, at most three tries."""

    def name(self) -> str:
        return "validate_order_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if tracker.get_slot("order_locked") else domain_slots

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (
            tracker.get_slot("order_number")
            and tracker.get_slot("requested_slot") != "order_number"
        ):
            return {}
        number = find_order_number(tracker.latest_message.get("text") or "")
        asked = tracker.get_slot("requested_slot") == "order_number"
        if number is None and asked and latest_intent(tracker) not in LEAVING_INTENTS:
            say(dispatcher, domain, "utter_invalid_order_number", conversation_language(tracker))
        return {"order_number": number} if number else {}

    async def extract_order_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "order_proof":
            return {}
        message = tracker.latest_message.get("text") or ""
        has_proof = find_proof(message) is not None
        if declines(tracker) and not has_proof:  # "no thanks": leave the form
            say(dispatcher, domain, "utter_form_left", conversation_language(tracker))
            return {"order_locked": True}
        return {"order_proof": message} if form_answer(tracker, has_proof) else {}

    async def validate_order_proof(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = conversation_language(tracker)
        number = tracker.get_slot("order_number")
        try:
            order = await asyncio.to_thread(get_shop().order, str(number), str(value or ""))
        except (ShopError, ShopUnavailable):
            shop_down(dispatcher, domain, lang)
            return {"order_proof": None, "order_locked": True}
        if order is not None:
            return {"order_proof": str(value)}
        attempts = int(tracker.get_slot("order_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            return {"order_proof": None, "order_attempts": attempts, "order_locked": True}
        say(dispatcher, domain, "utter_order_not_found", lang)
        return {"order_proof": None, "order_number": None, "order_attempts": attempts}


class ActionOrderStatus(Action):
    """Status, carrier, tracking link and expected delivery; a late order offers a person."""

    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        number, proof = tracker.get_slot("order_number"), tracker.get_slot("order_proof")
        if tracker.get_slot("order_locked") or not number or not proof:
            if int(tracker.get_slot("order_attempts") or 0) >= MAX_ATTEMPTS:
                say(dispatcher, domain, "utter_order_too_many_attempts", lang)
                say(dispatcher, domain, "utter_offer_human", lang)
                return [
                    *reset,
                    SlotSet("awaiting_answer", "offer_human"),
                    SlotSet("escalation_reason", "order_verification"),
                ]
            return reset  # the shop was down: already said so and offered a person
        try:
            order = await asyncio.to_thread(get_shop().order, str(number), str(proof))
        except (ShopError, ShopUnavailable):
            return [*reset, *shop_down(dispatcher, domain, lang)]
        if order is None:  # changed meanwhile
            say(dispatcher, domain, "utter_order_not_found", lang)
            return reset
        expected = (
            date_text(domain, lang, order.expected_delivery) if order.expected_delivery else "–"
        )
        say(
            dispatcher,
            domain,
            f"utter_order_{order.status}",
            lang,
            number=order.number,
            carrier=order.carrier or "–",
            tracking_code=order.tracking_code or "–",
            tracking_url=order.tracking_url or "",
            expected=expected,
        )
        if order.is_late(date.today()):
            say(dispatcher, domain, "utter_order_late", lang)
            return [
                *reset,
                SlotSet("awaiting_answer", "offer_human"),
                SlotSet("escalation_reason", "late_order"),
            ]
        return reset
