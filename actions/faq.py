"""Answers from the semantic FAQ index (which question gets one: :mod:`actions.routing`)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import escalate
from actions.replies import reply_with_entry
from actions.runtime import conversation_language, embedding, get_service
from actions.texts import say, text
from bot.conversation import (
    AWAITING_OFFER_HUMAN,
    REASON_EXPLICIT_REQUEST,
    REASON_NOT_HELPED,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_FAQ_CANDIDATES,
    SLOT_FAQ_ID,
    SLOT_NOT_HELPED,
)
from bot.faq.service import Reply
from bot.human_request import asks_for_human

NONE_OF_THESE = "none"


async def answer_faq(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    lang: str,
    reply: Reply | None = None,
) -> list[EventType]:
    """Answer the latest message from the FAQ in ``lang``, the language chosen for this turn.

    Args:
        reply: the FAQ's reply to the message, when the caller has it already.
    """
    message = tracker.latest_message.get("text") or ""
    service = get_service()
    if asks_for_human(message):  # an explicit request for a person beats any FAQ match
        return await escalate(dispatcher, tracker, domain, lang, REASON_EXPLICIT_REQUEST)
    if reply is None:
        reply = await embedding(service.answer, message, lang)
    events: list[EventType] = [
        SlotSet(
            SLOT_FAQ_CANDIDATES,
            [{"id": m.id, "score": round(m.score, 4)} for m in reply.matches[:3]],
        )
    ]
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    kind = reply.decision.kind
    if kind == "answer":
        entry = service.faq.get(reply.decision.offered[0])
        assert entry is not None
        return [
            *events,
            SlotSet(SLOT_NOT_HELPED, 0),
            *reply_with_entry(dispatcher, domain, entry, lang),
        ]
    if intent == "out_of_scope" and kind != "clarify":  # close entries beat Rasa's "off topic"
        return events + not_helped(dispatcher, tracker, domain, lang, "utter_out_of_scope")
    if kind == "clarify":
        buttons = [
            {"title": entry.first_question(lang), "payload": _choose(entry.id)}
            for entry in reply.offered_entries(service.faq)
        ]
        buttons.append(
            {
                "title": text(domain, "utter_button_none", lang),
                "payload": _choose(NONE_OF_THESE),
            }
        )
        say(dispatcher, domain, "utter_clarify", lang, buttons=buttons)
    else:
        return events + not_helped(dispatcher, tracker, domain, lang)
    return events


class ActionChooseFaq(Action):
    """Answers the entry the shopper picked from the clarification buttons."""

    def name(self) -> str:
        return "action_choose_faq"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = get_service()
        lang = conversation_language(tracker)
        chosen = next(tracker.get_latest_entity_values("faq_id"), None) or tracker.get_slot(
            SLOT_FAQ_ID
        )
        entry = service.faq.get(chosen) if chosen and chosen != NONE_OF_THESE else None
        events: list[EventType] = [SlotSet(SLOT_FAQ_ID, None)]
        if entry is None:  # "none of these", or an entry removed since the buttons were sent
            return events + not_helped(dispatcher, tracker, domain, lang)
        return events + reply_with_entry(dispatcher, domain, entry, lang)


def not_helped(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    lang: str,
    first_reply: str = "utter_fallback",
) -> list[EventType]:
    """First miss: ``first_reply`` (rephrase, or "only shop things"); second: offer a person."""
    misses = int(tracker.get_slot(SLOT_NOT_HELPED) or 0) + 1
    if misses >= 2:
        say(dispatcher, domain, "utter_not_helped_offer_human", lang)
        return [
            SlotSet(SLOT_NOT_HELPED, misses),
            SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
            SlotSet(SLOT_ESCALATION_REASON, REASON_NOT_HELPED),
        ]
    say(dispatcher, domain, first_reply, lang)
    return [SlotSet(SLOT_NOT_HELPED, misses), SlotSet(SLOT_AWAITING_ANSWER, None)]


def _choose(entry_id: str) -> str:
    return '/choose_faq{"faq_id":"' + entry_id + '"}'
