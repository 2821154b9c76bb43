"""Greetings, thanks, goodbyes, "are you a bot?", "stop" and a bare yes or no, with a second
opinion from the FAQ: Rasa sometimes files a real shop question under one of these intents
("och hur länge är ångerrätten" as a goodbye), and a shopper must never get "Bye!" for it.

Small talk without a word of its kind (``bot.small_talk``), or reporting a problem with the
shopper's own item (``bot.shop.problem_words``), is answered as a shop question outright: the
FAQ's answer or buttons, a product's stock, or the fallback that offers a person.

When the FAQ is sure of an entry (its policy would answer directly), the question is answered
from the FAQ; when product search finds a product clearly ("kiilo 900" filed as thanks), its
stock is the answer; otherwise the intent's own reply is said. A "yes" or "no" to a question the bot
asked is still the answer to that question.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import answer_faq
from actions.language_first import LanguageFirstAction
from actions.routing import answer_shop_question, answerable_elsewhere
from actions.runtime import conversation_language, embedding, get_service
from actions.satisfaction import ActionAskSatisfaction
from actions.texts import say
from actions.yes_no import ActionReplyYesNo
from bot.conversation import SLOT_AWAITING_ANSWER
from bot.declines import beyond_yes_or_no
from bot.shop.problem_words import reports_a_problem
from bot.small_talk import reads_as

# intent -> the bot's own reply, and whether the satisfaction question follows it
REPLIES: dict[str, tuple[str, bool]] = {
    "greet": ("utter_greet", False),
    "goodbye": ("utter_goodbye", True),
    "thanks": ("utter_youre_welcome", True),
    "bot_challenge": ("utter_bot_challenge", False),
    "stop": ("utter_anything_else", False),
    "affirm": ("utter_anything_else", False),
    "deny": ("utter_anything_else", False),
}
# intents whose own reply says nothing: buttons for close FAQ entries help more
CLARIFIED = frozenset({"stop", "affirm", "deny"})


async def _asks_something_new(text: str, lang: str) -> bool:
    """Whether a yes or no also asks a new question the FAQ knows (a bare "no, it didn't help"
    stays the answer to the bot's question)."""
    rest = beyond_yes_or_no(text)
    if len(rest.split()) < 3:  # "not really", "ei oikeastaan" answer the question asked
        return False
    reply = await embedding(get_service().answer, rest, lang)
    return reply.decision.kind != "fallback"


class ActionSmallTalk(LanguageFirstAction):
    """Replies to small talk, unless the message is a question the FAQ can answer."""

    def name(self) -> str:
        return "action_small_talk"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        lang = conversation_language(tracker)
        text = tracker.latest_message.get("text") or ""
        if intent in ("affirm", "deny") and tracker.get_slot(SLOT_AWAITING_ANSWER):
            if await _asks_something_new(text, lang):  # "no, and how much is delivery?"
                return await answer_shop_question(dispatcher, tracker, domain, lang)
            return await ActionReplyYesNo().run(dispatcher, tracker, domain)
        # a "goodbye" with no farewell is a shop question, and so is "thanks, but the zip broke"
        if not reads_as(intent, text) or reports_a_problem(text):
            return await answer_shop_question(dispatcher, tracker, domain, lang)
        reply = await embedding(get_service().answer, text, lang)
        kind = reply.decision.kind
        if kind == "answer" or (kind == "clarify" and intent in CLARIFIED):
            return await answer_faq(dispatcher, tracker, domain, lang, reply)
        # "kiilo 900" taken for thanks, "do you sell surfboards?" for "stop"
        if await answerable_elsewhere(text, lang, faq=False, unsold=True):
            return await answer_shop_question(dispatcher, tracker, domain, lang, stock_first=True)
        response, ask_satisfaction = REPLIES.get(intent, ("utter_anything_else", False))
        say(dispatcher, domain, response, lang)
        if ask_satisfaction:
            return ActionAskSatisfaction().run(dispatcher, tracker, domain)
        return []
