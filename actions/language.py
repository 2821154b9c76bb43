"""Actions that keep the conversation's language slot right."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language_first import language_events, latest_message_language
from actions.routing import answer_shop_question
from actions.texts import say
from bot import language
from bot.conversation import SLOT_LANGUAGE


class ActionDetectLanguage(Action):
    """The language step of :mod:`actions.language_first` as an action of its own, for a rule
    that must run it before a form (a form cannot run code before it asks)."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # in a thread, like the FAQ's search: rasa-sdk runs actions on its one event loop
        return await asyncio.to_thread(language_events, tracker)


class ActionSwitchLanguage(Action):
    """Switches on an explicit request ("in English please", "på svenska", "suomeksi").

    The classifier sometimes files a question under ``switch_language`` ("hur lang tid har jag
    pa mig att byta en jacka"); a message that names no language is answered from the FAQ
    instead. The confirmation is said here, so the rule ends with this action either way.
    """

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if not language.names_language(text):  # a question misread as a switch: answer it
            chosen = latest_message_language(tracker)
            return [
                SlotSet(SLOT_LANGUAGE, chosen),
                *await answer_shop_question(dispatcher, tracker, domain, chosen),
            ]
        target = language.explicit_switch(text) or language.detect(text).lang
        say(dispatcher, domain, "utter_language_switched", target)
        return [SlotSet(SLOT_LANGUAGE, target)]
