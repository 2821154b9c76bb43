"""Actions that keep the conversation's language slot right."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_service
from bot import language


class ActionDetectLanguage(Action):
    """Sets ``language`` from the latest message, keeping the current one unless it is clear."""

    def name(self) -> str:
        return "action_detect_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        current = tracker.get_slot("language")
        default = get_service().settings.default_language
        chosen = language.choose_language(
            tracker.latest_message.get("text") or "", current, default
        )
        return [] if chosen == current else [SlotSet("language", chosen)]


class ActionSwitchLanguage(Action):
    """Switches on an explicit request ("in English please", "på svenska", "suomeksi")."""

    def name(self) -> str:
        return "action_switch_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        target = language.explicit_switch(text) or language.detect(text).lang
        return [SlotSet("language", target)]
