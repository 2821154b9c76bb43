"""Which answer a shop question gets: the FAQ's, the shop's stock, or neither.

Rasa's intent is a first guess. A question it files under ``ask_faq``, ``out_of_scope`` or
``nlu_fallback`` that the FAQ does not answer but that names a product with a size, colour or
store ("onks termospulloa punasena"), or one product clearly while the FAQ has nothing, gets
the stock answer; a ``check_stock`` message that names no product but that the FAQ can answer
("onko takuuta") gets the FAQ's answer. An explicit request for a person beats both; a shop
system that does not answer gets the shopper our contacts and the offer of a person.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import answer_faq
from actions.handoff import escalate
from actions.runtime import conversation_language, get_service, get_shop
from actions.shop_stock import reply_with_stock, shop_down
from bot.conversation import REASON_EXPLICIT_REQUEST
from bot.errors import ShopError, ShopUnavailable
from bot.human_request import asks_for_human


class ActionAnswerFaq(Action):
    """A shop question: the FAQ's answer, else a product's stock, else the FAQ's clarify or
    fallback."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # action_detect_language chose this turn's language just before (every rule starts so)
        return await answer_shop_question(
            dispatcher, tracker, domain, conversation_language(tracker)
        )


class ActionCheckStock(Action):
    """A stock question: the product's stock, else the FAQ's answer, else "no such product"."""

    def name(self) -> str:
        return "action_check_stock"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await answer_shop_question(
            dispatcher, tracker, domain, conversation_language(tracker), stock_first=True
        )


async def answer_shop_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    lang: str,
    stock_first: bool = False,
) -> list[EventType]:
    """Answer the latest message in ``lang`` from the FAQ or the shop, whichever knows it.

    Args:
        stock_first: Rasa took it for a stock question: a product found wins over the FAQ.
    """
    message = tracker.latest_message.get("text") or ""
    if asks_for_human(message):  # an explicit request for a person beats any match
        return await escalate(dispatcher, tracker, domain, lang, REASON_EXPLICIT_REQUEST)
    reply = await asyncio.to_thread(get_service().answer, message, lang)
    kind = reply.decision.kind
    if kind == "answer" and not stock_first:
        return await answer_faq(dispatcher, tracker, domain, lang, reply)
    stock = stock_first  # whether the shopper is getting a stock answer
    try:
        shop = get_shop()
        found = await asyncio.to_thread(shop.search, message, lang)
        wish = await asyncio.to_thread(shop.wish, message)
        # a product found beats the FAQ's buttons or fallback when the message reads like a
        # stock question: Rasa said so, it names a size, colour or store, or it names one
        # product clearly and the FAQ has nothing
        stock_like = stock_first or bool(wish) or (found.decision == "one" and kind == "fallback")
        if (found.decision != "none" and stock_like) or (stock_first and kind == "fallback"):
            stock = True
            return await reply_with_stock(dispatcher, domain, lang, found, wish)
    except (ShopError, ShopUnavailable):
        if stock:
            return shop_down(dispatcher, domain, lang)
    return await answer_faq(dispatcher, tracker, domain, lang, reply)
