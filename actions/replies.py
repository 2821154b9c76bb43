"""Sending one FAQ entry's answer in the shopper's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import metadata, say
from bot.conversation import (
    AWAITING_FEEDBACK,
    AWAITING_OFFER_HUMAN,
    REASON_HANDOFF_ENTRY,
    REASON_MISSING_TRANSLATION,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_LAST_FAQ_ID,
)
from bot.faq.loader import FaqEntry
from bot.language import LANGUAGES


def reply_with_entry(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], entry: FaqEntry, lang: str
) -> list[EventType]:
    """Send ``entry``'s answer in ``lang``.

    Without an answer in ``lang`` the shopper is told so in ``lang``, gets the answer in another
    language and is offered a person; so is anyone whose entry says ``handoff: true``. Every
    other answer asks "did that answer your question?"; a "no" offers a person.
    """
    offer_human = entry.handoff
    answer = entry.answer.get(lang)  # type: ignore[call-overload]
    if answer is None:
        other = next(code for code in LANGUAGES if code in entry.answer)
        say(dispatcher, domain, f"utter_faq_only_in_{other}", lang)
        answer = entry.answer[other]
        offer_human = True
    dispatcher.utter_message(text=answer, **metadata(lang))
    events: list[EventType] = [SlotSet(SLOT_LAST_FAQ_ID, entry.id)]
    if offer_human:
        say(dispatcher, domain, "utter_offer_human", lang)
        reason = REASON_HANDOFF_ENTRY if entry.handoff else REASON_MISSING_TRANSLATION
        return [
            *events,
            SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
            SlotSet(SLOT_ESCALATION_REASON, reason),
        ]
    say(dispatcher, domain, "utter_did_that_help", lang)
    return [
        *events,
        SlotSet(SLOT_AWAITING_ANSWER, AWAITING_FEEDBACK),
        SlotSet(SLOT_ESCALATION_REASON, None),
    ]
