"""A turn's first step, the conversation's language, done inside the action that answers.

Every rule used to start with ``action_detect_language``, a round trip of its own: Rasa ships the
whole tracker to the action server and back for each custom action (docs/performance.md).
:class:`LanguageFirstAction` does the same step at the start of the answering action instead:
the same events, applied to the tracker before the answer is chosen. ``action_detect_language``
stays as an action of its own for a rule that must run the step before a form.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_service
from bot import language
from bot.conversation import META_LANGUAGE, SLOT_AWAITING_ANSWER, SLOT_LANGUAGE
from bot.human_request import asks_for_human


def language_events(tracker: Tracker) -> list[EventType]:
    """The events of the language step: the language slot (when it changes), forgetting a yes/no
    question the shopper passed over, and an escalation when the words ask for a person that the
    classifier filed under another intent ("finns det en riktig person där" as a greeting)."""
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


class LanguageFirstAction(Action, ABC):
    """An action whose rule starts it right after the shopper's message: the language step
    first (its events applied to ``tracker``), then :meth:`answer`, unless the step hands the
    turn to an escalation."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # in a thread, like the FAQ's search: rasa-sdk runs actions on its one event loop
        events = await asyncio.to_thread(language_events, tracker)
        for event in events:
            if event.get("event") == "followup":
                return events
            if event.get("event") == "slot":
                tracker.slots[event["name"]] = event["value"]
        return [*events, *await self.answer(dispatcher, tracker, domain)]

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The action's own reply, in the language the step chose."""
