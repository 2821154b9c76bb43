"""Actions that keep the conversation's language slot right."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import answer_shop_question
from actions.runtime import get_service
from actions.texts import say
from bot import language
from bot.conversation import META_LANGUAGE, SLOT_AWAITING_ANSWER, SLOT_LANGUAGE
from bot.human_request import asks_for_human


class ActionDetectLanguage(Action):
    """Sets ``language`` from the latest message, keeping the current one unless it is clear.

    Every rule starts with this action, so it is also where a yes/no question the shopper passed
    over is forgotten, and where a request for a person that the
    classifier filed under another intent ("finns det en riktig person där" as a greeting) is
    caught: the escalation follows, whatever the rule would have done.
    """

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # in a thread, like the FAQ's search: rasa-sdk runs actions on its one event loop
        return await asyncio.to_thread(self._events, tracker)

    def _events(self, tracker: Tracker) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        chosen = latest_message_language(tracker)
        changed = chosen != tracker.get_slot(SLOT_LANGUAGE)
        events: list[EventType] = [SlotSet(SLOT_LANGUAGE, chosen)] if changed else []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in ("affirm", "deny") and tracker.get_slot(SLOT_AWAITING_ANSWER):
            # the bot's yes/no question was passed over: a later bare "yes" must not answer it
            events.append(SlotSet(SLOT_AWAITING_ANSWER, None))
        if intent not in ("request_human", "ask_faq", "out_of_scope", "nlu_fallback") and (
            asks_for_human(text)
        ):  # ask_faq & co. check it themselves, before the FAQ
            events.append(FollowupAction("action_escalate"))
        return events


def latest_message_language(tracker: Tracker) -> str:
    """The conversation's language after the latest message (see ``choose_language``)."""
    default = page_language(tracker) or get_service().settings.default_language
    text = tracker.latest_message.get("text") or ""
    return language.choose_language(text, tracker.get_slot(SLOT_LANGUAGE), default)


def page_language(tracker: Tracker) -> str | None:
    """The language the shopper's chat window is in (the web widget sends its UI language as
    ``metadata.language`` with every message): the default for a first message without clues.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            wanted = (event.get("metadata") or {}).get(META_LANGUAGE)
            return wanted if wanted in language.LANGUAGES else None
    return None


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
