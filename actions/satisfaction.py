"""The one-click satisfaction question at the end of a conversation, and its answer.

The question ("was it easy to get help today?", thumbs up or down) follows a goodbye or a
thanks once per conversation, and the hand-back from an agent (the handoff desk sends it with
the bot's "I'm back" message). The answer is the ``satisfaction`` slot (``up``/``down``): it is
stored with the conversation in the tracker, each answer as a timestamped slot event.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import conversation_language
from actions.texts import say
from bot.conversation import SLOT_SATISFACTION, SLOT_SATISFACTION_ASKED

RATINGS = ("up", "down")


class ActionAskSatisfaction(Action):
    """Asks the satisfaction question, unless it was already asked in this conversation."""

    def name(self) -> str:
        return "action_ask_satisfaction"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot(SLOT_SATISFACTION_ASKED):
            return []
        say(dispatcher, domain, "utter_ask_satisfaction", conversation_language(tracker))
        return [SlotSet(SLOT_SATISFACTION_ASKED, True)]


class ActionStoreSatisfaction(Action):
    """Stores the shopper's answer (``/rate{"rating":"up"}``) and thanks them for it."""

    def name(self) -> str:
        return "action_store_satisfaction"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        rating = next(tracker.get_latest_entity_values("rating"), None)
        if rating not in RATINGS:  # a hand-made payload: nothing to store
            say(dispatcher, domain, "utter_anything_else", lang)
            return []
        say(dispatcher, domain, f"utter_rating_thanks_{rating}", lang)
        return [SlotSet(SLOT_SATISFACTION, rating), SlotSet(SLOT_SATISFACTION_ASKED, True)]
