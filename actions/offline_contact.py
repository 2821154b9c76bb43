"""The offline contact form: an email address and a question become an offline ticket."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import declines, latest_intent, read_email
from actions.runtime import conversation_language, get_desk
from actions.texts import say
from bot.contact import find_email
from bot.conversation import (
    HANDOFF_MESSAGE_LEFT,
    HANDOFF_NONE,
    SLOT_CONTACT_DECLINED,
    SLOT_CONTACT_EMAIL,
    SLOT_CONTACT_QUESTION,
    SLOT_HANDOFF,
    STATUS_OFFLINE,
)
from handoff.errors import HandoffError

log = logging.getLogger(__name__)


class ValidateOfflineContactForm(FormValidationAction):
    """Asks again, politely, until the email address is valid; "no thanks" leaves the form."""

    def name(self) -> str:
        return "validate_offline_contact_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if tracker.get_slot(SLOT_CONTACT_DECLINED) else domain_slots

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset when the form starts: nothing to check yet
            return {SLOT_CONTACT_EMAIL: None}
        leaving = declines(tracker) or latest_intent(tracker) == "goodbye"
        if leaving and find_email(str(value)) is None:
            return {SLOT_CONTACT_EMAIL: None, SLOT_CONTACT_DECLINED: True}
        return {SLOT_CONTACT_EMAIL: read_email(value, dispatcher, tracker, domain)}

    def validate_contact_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        question = str(value or "").strip()
        if not question or question.startswith("/"):
            return {SLOT_CONTACT_QUESTION: None}
        return {SLOT_CONTACT_QUESTION: question}


class ActionSubmitOfflineContact(Action):
    """Stores the email address and question with the offline ticket and confirms."""

    def name(self) -> str:
        return "action_submit_offline_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        email = tracker.get_slot(SLOT_CONTACT_EMAIL)
        question = tracker.get_slot(SLOT_CONTACT_QUESTION)
        if tracker.get_slot(SLOT_CONTACT_DECLINED) or not email or not question:
            say(dispatcher, domain, "utter_offline_declined", lang, handoff=HANDOFF_NONE)
            return [SlotSet(SLOT_CONTACT_DECLINED, None), SlotSet(SLOT_HANDOFF, None)]
        try:
            await asyncio.to_thread(get_desk().leave_contact, tracker.sender_id, email, question)
        except HandoffError as exc:
            log.error("offline ticket of %s not saved: %s", tracker.sender_id, exc)
            say(dispatcher, domain, "utter_handoff_unavailable", lang, handoff=HANDOFF_NONE)
            return [SlotSet(SLOT_HANDOFF, None)]
        say(
            dispatcher,
            domain,
            "utter_offline_ticket_saved",
            lang,
            handoff=HANDOFF_MESSAGE_LEFT,
            email=email,
        )
        return [SlotSet(SLOT_HANDOFF, STATUS_OFFLINE)]
