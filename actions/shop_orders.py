"""Where is my order? Order number, then email address or postal code, then the status."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import LEAVING_INTENTS, declines, form_answer, latest_intent, leave_form
from actions.runtime import conversation_language, get_shop
from actions.shop_stock import date_text, shop_down
from actions.texts import say, text
from bot.contact import find_proof
from bot.conversation import (
    AWAITING_OFFER_HUMAN,
    CLIENT_ADDRESS,
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
from bot.errors import FaqbotError
from bot.shop.attempts import Client
from bot.shop.service import OrderCheck, find_order_number

log = logging.getLogger(__name__)

ORDER_FORM = "order_status_form"
FORM_SLOTS = (SLOT_ORDER_NUMBER, SLOT_ORDER_PROOF, SLOT_ORDER_ATTEMPTS, SLOT_ORDER_LOCKED)


def leave_order_form(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, lang: str
) -> list[EventType]:
    """The shopper asked something else while the order form waited for an order number or
    proof, and got the answer: the form is left (else it would ask for the number after every
    answer, and Rasa's session could never be split, docs/performance.md), with a line that the
    order can be asked about again any time. Nothing outside the order form."""
    slots = tuple(slot for slot in FORM_SLOTS if slot != SLOT_ORDER_ATTEMPTS)
    response = "utter_order_form_left_for_question"
    return leave_form(dispatcher, tracker, domain, lang, ORDER_FORM, response, slots)


def order_client(tracker: Tracker) -> Client:
    """Who is trying: the conversation (Rasa's sender id) and, from the web chat, the address
    the socket.io channel saw (REST and Messenger pass none)."""
    metadata = tracker.latest_message.get("metadata") or {}
    address = metadata.get(CLIENT_ADDRESS) if isinstance(metadata, dict) else None
    return Client(conversation=tracker.sender_id, address=str(address) if address else None)


def locked_out(dispatcher: CollectingDispatcher, domain: DomainDict, lang: str) -> dict[str, Any]:
    """Too many wrong proofs (here, or for this order number anywhere): try later or a person.

    The same reply whether or not the order number exists.
    """
    say(dispatcher, domain, "utter_order_too_many_attempts", lang)
    say(dispatcher, domain, "utter_offer_human", lang)
    return {
        SLOT_ORDER_PROOF: None,
        SLOT_ORDER_LOCKED: True,
        SLOT_AWAITING_ANSWER: AWAITING_OFFER_HUMAN,
        SLOT_ESCALATION_REASON: REASON_ORDER_VERIFICATION,
    }


def shop_down_slots(
    dispatcher: CollectingDispatcher, domain: DomainDict, lang: str
) -> dict[str, Any]:
    """The shop does not answer: said so, a person offered, the form left."""
    offer = {event["name"]: event["value"] for event in shop_down(dispatcher, domain, lang)}
    return {SLOT_ORDER_PROOF: None, SLOT_ORDER_LOCKED: True, **offer}


async def check_order(number: str, proof: str, tracker: Tracker) -> OrderCheck:
    """The shop's answer for this proof, within the attempt limit (in a thread: it may wait)."""
    return await asyncio.to_thread(get_shop().check_order, number, proof, order_client(tracker))


async def watch_order(conversation_id: str, number: str) -> None:
    """Proactive updates of this order to this chat; never in the way of the answer."""
    try:
        await asyncio.to_thread(get_shop().watch_order, conversation_id, number)
    except (FaqbotError, OSError, sqlite3.Error) as exc:
        log.warning("order %s: chat updates not switched on: %s", number, exc)


class ValidateOrderStatusForm(FormValidationAction):
    """Reads the order number from any message; checks the proof within the attempt limits
    (per conversation, and per order number across all conversations)."""

    def name(self) -> str:
        return "validate_order_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """As the SDK's, but keeping what extraction set to end the form.

        The SDK returns only the slots still required, so a lock found while reading the
        order number (``order_locked``, the offer of a person) would be dropped.
        """
        extracted = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extracted)
        validated = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validated)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        named = {event["name"] for event in validated}
        kept = [event for event in extracted if event["name"] not in named]
        return [*kept, *validated, *([next_slot] if next_slot else [])]

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
        lang = conversation_language(tracker)
        number = find_order_number(tracker.latest_message.get("text") or "")
        known = tracker.get_slot(SLOT_ORDER_NUMBER)
        if known and tracker.get_slot(REQUESTED_SLOT) != SLOT_ORDER_NUMBER:
            if number is None or number == known:
                return {}  # the order verified earlier in this chat: no second proof
            if _locked(tracker, number):
                return locked_out(dispatcher, domain, lang)
            return {SLOT_ORDER_NUMBER: number, SLOT_ORDER_PROOF: None}  # another order
        if _locked(tracker, number):  # never ask for what would be refused anyway
            return locked_out(dispatcher, domain, lang)
        asked = tracker.get_slot(REQUESTED_SLOT) == SLOT_ORDER_NUMBER
        if number is None and asked and latest_intent(tracker) not in LEAVING_INTENTS:
            say(dispatcher, domain, "utter_invalid_order_number", lang)
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
        if not value:  # cleared for another order number: asked again, not a wrong proof
            return {SLOT_ORDER_PROOF: None}
        lang = conversation_language(tracker)
        number = tracker.get_slot(SLOT_ORDER_NUMBER)
        try:
            checked = await check_order(str(number), str(value or ""), tracker)
        except FaqbotError:
            return shop_down_slots(dispatcher, domain, lang)
        if checked.order is not None:
            return {SLOT_ORDER_PROOF: str(value)}
        if checked.locked:
            return locked_out(dispatcher, domain, lang)
        attempts = int(tracker.get_slot(SLOT_ORDER_ATTEMPTS) or 0) + 1
        say(dispatcher, domain, "utter_order_not_found", lang)
        return {SLOT_ORDER_PROOF: None, SLOT_ORDER_NUMBER: None, SLOT_ORDER_ATTEMPTS: attempts}


def _locked(tracker: Tracker, number: str | None) -> bool:
    """Whether this conversation, or order ``number``, must wait for the cool-down."""
    try:
        shop = get_shop()
    except FaqbotError:  # checking the proof will say the shop is unavailable
        return False
    return shop.orders_locked(order_client(tracker), number)


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
            return reset  # the form already said why (locked out, shop down, left)
        try:
            checked = await check_order(str(number), str(proof), tracker)
        except FaqbotError:
            return [*reset, *shop_down(dispatcher, domain, lang)]
        order = checked.order
        if order is None:  # changed meanwhile, or locked out meanwhile
            if checked.locked:
                locked = locked_out(dispatcher, domain, lang)
                return [*reset, *(SlotSet(k, v) for k, v in locked.items() if k not in FORM_SLOTS)]
            say(dispatcher, domain, "utter_order_not_found", lang)
            return reset
        # the number and proof stay: a follow-up about this order needs no second proof
        reset = [SlotSet(SLOT_ORDER_ATTEMPTS, 0), SlotSet(SLOT_ORDER_LOCKED, None)]
        if tracker.get_latest_input_channel() == "socketio":  # the widget can be told later
            await watch_order(tracker.sender_id, order.number)
        expected = (
            date_text(domain, lang, order.expected_delivery) if order.expected_delivery else "–"
        )
        if order.first_name:  # verified: the answer can be personal
            say(dispatcher, domain, "utter_order_thanks_name", lang, first_name=order.first_name)
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
            pickup=pickup_line(domain, lang, order.pickup_point),
        )
        if order.is_late(date.today()):
            say(dispatcher, domain, "utter_order_late", lang)
            return [
                *reset,
                SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
                SlotSet(SLOT_ESCALATION_REASON, REASON_LATE_ORDER),
            ]
        return reset


def pickup_line(domain: DomainDict, lang: str, pickup_point: str | None) -> str:
    """Where a ready-for-pickup order waits, as a sentence; empty when the order does not say."""
    if not pickup_point:
        return ""
    return text(domain, "utter_order_pickup_point", lang, pickup_point=pickup_point)
