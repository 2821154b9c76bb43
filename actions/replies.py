"""Sending one FAQ entry's answer in the shopper's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import say
from bot.faq.loader import FaqEntry
from bot.faq.schema import LANGUAGES


def reply_with_entry(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], entry: FaqEntry, lang: str
) -> list[EventType]:
    """Send ``entry``'s answer in ``lang``.

    Without an answer in ``lang`` the shopper is told so in ``lang``, gets the answer in another
    language and is offered a person; so is anyone whose entry says ``handoff: true``.
    """
    offer_human = entry.handoff
    answer = entry.answer.get(lang)  # type: ignore[call-overload]
    if answer is None:
        other = next(code for code in LANGUAGES if code in entry.answer)
        say(dispatcher, domain, f"utter_faq_only_in_{other}", lang)
        answer = entry.answer[other]
        offer_human = True
    dispatcher.utter_message(text=answer)
    if offer_human:
        say(dispatcher, domain, "utter_offer_human", lang)
    return [SlotSet("last_faq_id", entry.id), SlotSet("offered_human", offer_human)]
