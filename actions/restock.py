"""The restock notification form: an email address for one sold-out variant."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import declines, form_answer, latest_intent, read_email
from actions.routing import answerable_elsewhere
from actions.runtime import conversation_language, get_shop
from actions.texts import say
from bot.contact import find_email
from bot.conversation import (
    AWAITING_OFFER_HUMAN,
    REQUESTED_SLOT,
    SLOT_AWAITING_ANSWER,
    SLOT_RESTOCK_EMAIL,
    SLOT_RESTOCK_ITEM,
)
from bot.errors import ShopError, ShopUnavailable

# intents whose rule answers the message from the FAQ or the shop (actions/routing.py)
QUESTION_INTENTS = ("ask_faq", "out_of_scope", "nlu_fallback", "check_stock")


class ValidateRestockForm(FormValidationAction):
    """Asks again, politely, until the email address is valid; a question the FAQ or the shop
    answers is left to its own rule, which answers it and leaves the form."""

    def name(self) -> str:
        return "validate_restock_form"

    async def extract_restock_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != SLOT_RESTOCK_EMAIL:
            return {}
        message = tracker.latest_message.get("text") or ""
        if declines(tracker) and find_email(message) is None:  # "no thanks": leave the form
            return {SLOT_RESTOCK_EMAIL: None, SLOT_RESTOCK_ITEM: None}
        if await _another_question(tracker, message):
            return {}  # no address given: Rasa rejects the form and the question's rule runs
        answered = form_answer(tracker, find_email(message) is not None)
        return {SLOT_RESTOCK_EMAIL: message} if answered else {}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return domain_slots if tracker.get_slot(SLOT_RESTOCK_ITEM) else []

    def validate_restock_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {SLOT_RESTOCK_EMAIL: None}
        return {SLOT_RESTOCK_EMAIL: read_email(value, dispatcher, tracker, domain)}


async def _another_question(tracker: Tracker, message: str) -> bool:
    """Whether the message is no try at an address but a question the bot answers elsewhere
    ("paljonko toimitus maksaa?"); "aino at example" stays a mistyped address."""
    if "@" in message or find_email(message) is not None:
        return False
    if latest_intent(tracker) not in QUESTION_INTENTS:
        return False
    lang = conversation_language(tracker)
    return await answerable_elsewhere(message, lang) is not None


class ActionRegisterRestock(Action):
    """Stores the sign-up; `faqbot shop notify` sends one email when stock returns."""

    def name(self) -> str:
        return "action_register_restock"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        item = tracker.get_slot(SLOT_RESTOCK_ITEM) or {}
        email = tracker.get_slot(SLOT_RESTOCK_EMAIL)
        reset: list[EventType] = [
            SlotSet(SLOT_RESTOCK_EMAIL, None),
            SlotSet(SLOT_RESTOCK_ITEM, None),
        ]
        if not item or not email:
            say(dispatcher, domain, "utter_form_left", lang)
            return reset
        try:
            await asyncio.to_thread(
                get_shop().register_restock, email, item["product_id"], item["sku"], lang
            )
        except (ShopError, ShopUnavailable):
            say(dispatcher, domain, "utter_shop_unavailable", lang)
            return [*reset, SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN)]
        say(dispatcher, domain, "utter_restock_registered", lang, email=email, product=item["name"])
        return reset
