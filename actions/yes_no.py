"""What "yes" and "no" mean depends on what the bot just asked."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_service
from actions.texts import say


class ActionReplyYesNo(Action):
    """After an offer of a person, "yes" gives the contacts; else ask what else to help with."""

    def name(self) -> str:
        return "action_reply_yes_no"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = tracker.get_slot("language") or get_service().settings.default_language
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "affirm" and tracker.get_slot("offered_human"):
            say(dispatcher, domain, "utter_human_contact", lang)
        else:
            say(dispatcher, domain, "utter_anything_else", lang)
        return [SlotSet("offered_human", False)]
