"""The restock notification form: an email address for one sold-out variant."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import declines, form_answer, read_email
from actions.runtime import conversation_language, get_shop
from actions.texts import say
from bot.contact import find_email
from bot.errors import ShopError, ShopUnavailable


class ValidateRestockForm(FormValidationAction):
    """Asks again, politely, until the email address is valid."""

    def name(self) -> str:
        return "validate_restock_form"

    async def extract_restock_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "restock_email":
            return {}
        message = tracker.latest_message.get("text") or ""
        if declines(tracker) and find_email(message) is None:  # "no thanks": leave the form
            return {"restock_email": None, "restock_item": None}
        answered = form_answer(tracker, find_email(message) is not None)
        return {"restock_email": message} if answered else {}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return domain_slots if tracker.get_slot("restock_item") else []

    def validate_restock_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"restock_email": None}
        return {"restock_email": read_email(value, dispatcher, tracker, domain)}


class ActionRegisterRestock(Action):
    """Stores the sign-up; `faqbot shop notify` sends one email when stock returns."""

    def name(self) -> str:
        return "action_register_restock"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        item, email = tracker.get_slot("restock_item") or {}, tracker.get_slot("restock_email")
        reset: list[EventType] = [SlotSet("restock_email", None), SlotSet("restock_item", None)]
        if not item or not email:
            say(dispatcher, domain, "utter_form_left", lang)
            return reset
        try:
            await asyncio.to_thread(
                get_shop().register_restock, email, item["product_id"], item["sku"], lang
            )
        except (ShopError, ShopUnavailable):
            say(dispatcher, domain, "utter_shop_unavailable", lang)
            return [*reset, SlotSet("awaiting_answer", "offer_human")]
        say(dispatcher, domain, "utter_restock_registered", lang, email=email, product=item["name"])
        return reset
