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
from bot.conversation import (
    AWAITING_OFFER_HUMAN,
    REASON_LATE_ORDER,
    REASON_ORDER_VERIFICATION,
    REQUESTED_SLOT,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_ORDER_ATTEMPTS,
    SLOT_ORDER_LOCKED,
    SLOT_ORDER_NUMBER,
    SLOT_ORDER_PROOF,
)
from bot.errors import ShopError, ShopUnavailable
from bot.shop.service import find_order_number

MAX_ATTEMPTS = 3


FORM_SLOTS = (SLOT_ORDER_NUMBER, SLOT_ORDER_PROOF, SLOT_ORDER_ATTEMPTS, SLOT_ORDER_LOCKED)


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
        return [] if tracker.get_slot(SLOT_ORDER_LOCKED) else domain_slots

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (
            tracker.get_slot(SLOT_ORDER_NUMBER)
            and tracker.get_slot(REQUESTED_SLOT) != SLOT_ORDER_NUMBER
        ):
            return {}
        number = find_order_number(tracker.latest_message.get("text") or "")
        asked = tracker.get_slot(REQUESTED_SLOT) == SLOT_ORDER_NUMBER
        if number is None and asked and latest_intent(tracker) not in LEAVING_INTENTS:
            say(dispatcher, domain, "utter_invalid_order_number", conversation_language(tracker))
        return {SLOT_ORDER_NUMBER: number} if number else {}

    async def extract_order_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != SLOT_ORDER_PROOF:
            return {}
        message = tracker.latest_message.get("text") or ""
        has_proof = find_proof(message) is not None
        if declines(tracker) and not has_proof:  # "no thanks": leave the form
            say(dispatcher, domain, "utter_form_left", conversation_language(tracker))
            return {SLOT_ORDER_LOCKED: True}
        return {SLOT_ORDER_PROOF: message} if form_answer(tracker, has_proof) else {}

    async def validate_order_proof(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = conversation_language(tracker)
        number = tracker.get_slot(SLOT_ORDER_NUMBER)
        try:
            order = await asyncio.to_thread(get_shop().order, str(number), str(value or ""))
        except (ShopError, ShopUnavailable):
            shop_down(dispatcher, domain, lang)
            return {SLOT_ORDER_PROOF: None, SLOT_ORDER_LOCKED: True}
        if order is not None:
            return {SLOT_ORDER_PROOF: str(value)}
        attempts = int(tracker.get_slot(SLOT_ORDER_ATTEMPTS) or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            return {SLOT_ORDER_PROOF: None, SLOT_ORDER_ATTEMPTS: attempts, SLOT_ORDER_LOCKED: True}
        say(dispatcher, domain, "utter_order_not_found", lang)
        return {SLOT_ORDER_PROOF: None, SLOT_ORDER_NUMBER: None, SLOT_ORDER_ATTEMPTS: attempts}


class ActionOrderStatus(Action):
    """Status, carrier, tracking link and expected delivery; a late order offers a person."""

    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        number, proof = tracker.get_slot(SLOT_ORDER_NUMBER), tracker.get_slot(SLOT_ORDER_PROOF)
        if tracker.get_slot(SLOT_ORDER_LOCKED) or not number or not proof:
            if int(tracker.get_slot(SLOT_ORDER_ATTEMPTS) or 0) >= MAX_ATTEMPTS:
                say(dispatcher, domain, "utter_order_too_many_attempts", lang)
                say(dispatcher, domain, "utter_offer_human", lang)
                return [
                    *reset,
                    SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
                    SlotSet(SLOT_ESCALATION_REASON, REASON_ORDER_VERIFICATION),
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
                SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
                SlotSet(SLOT_ESCALATION_REASON, REASON_LATE_ORDER),
            ]
        return reset
