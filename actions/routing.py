"""Which answer a shop question gets: the FAQ's, the shop's stock, or neither.

Rasa's intent is a first guess. A question it files under ``ask_faq``, ``out_of_scope`` or
``nlu_fallback`` that the FAQ does not answer but that names a product with a size, colour or
store ("onks termospulloa punasena"), or one product clearly while the FAQ has nothing, gets
the stock answer; a ``check_stock`` message that names no product but that the FAQ can answer
("onko takuuta") gets the FAQ's answer. A problem with something the shopper already has
("ostin kengät ja pohja irtosi", :mod:`bot.shop.problem_words`) gets the FAQ's answer or
buttons first, whatever Rasa guessed; a product's stock only when the FAQ has nothing and the
message asks whether we have something. An explicit request for a person beats both; a shop
system that does not answer gets the shopper our contacts and the offer of a person.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import answer_faq
from actions.forms import leave_restock_form
from actions.handoff import escalate
from actions.language_first import LanguageFirstAction
from actions.runtime import conversation_language, embedding, get_service, get_shop
from actions.satisfaction import ActionAskSatisfaction
from actions.shop_orders import leave_order_form
from actions.shop_stock import reply_with_stock, shop_down
from actions.texts import say
from bot.conversation import (
    ORDER_ROUTE_ELSEWHERE,
    ORDER_ROUTE_FORM,
    REASON_EXPLICIT_REQUEST,
    SLOT_ORDER_ROUTE,
)
from bot.errors import ShopError, ShopUnavailable
from bot.faq.service import Reply
from bot.human_request import QUESTION, THANKS, asks_for_human, asks_for_no_one
from bot.shop.order_words import asks_to_change_an_order, mentions_an_order
from bot.shop.problem_words import reports_a_problem
from bot.shop.service import find_order_number
from bot.shop.stock_words import (
    asks_about_stock,
    asks_about_stock_now,
    asks_for_product,
    mentions_someone,
)


class ActionAnswerFaq(LanguageFirstAction):
    """A shop question: the FAQ's answer, else a product's stock, else the FAQ's clarify or
    fallback."""

    def name(self) -> str:
        return "action_answer_faq"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await answer_shop_question(
            dispatcher, tracker, domain, conversation_language(tracker)
        )


class ActionCheckStock(LanguageFirstAction):
    """A stock question: the product's stock, else the FAQ's answer, else "no such product"."""

    def name(self) -> str:
        return "action_check_stock"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await answer_shop_question(
            dispatcher, tracker, domain, conversation_language(tracker), stock_first=True
        )


class ActionOrderQuestion(LanguageFirstAction):
    """ "Where is my order?" asks for the order number (the order form), unless the message names
    no order and is something else the bot can answer: a product with a size or colour
    ("gore-tex juoksukengät 42") or a FAQ entry that is not about the shopper's own order
    ("where do i enter a promo code"). Entries marked ``live_order`` ("how can I track my
    order?") never take the question from the live status; a FAQ without any such mark keeps
    every order question on the form. A request to cancel or change an order ("please cancel
    my order, I changed my mind") gets the FAQ's answer or buttons whenever it has either: the
    form can only say where the order is. The ``order_route`` slot tells the rules which way it went
    (a rule starts the form, so leaving it works as for any form)."""

    def name(self) -> str:
        return "action_order_question"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message.get("text") or ""
        lang = conversation_language(tracker)
        route = None
        if find_order_number(message) is None and not mentions_an_order(message):
            route = "shop"  # no order, parcel or delivery named: "what wax for skis at -5"
        elif find_order_number(message) is None:
            # a product only with a size, colour or store named: search finds "one" product
            # for many an order question ("missä tilaukseni on?")
            route = await answerable_elsewhere(
                message, lang, faq=_faq_knows_live_orders(), product_alone=False
            )
            if route is None and asks_to_change_an_order(message):
                reply: Reply = await embedding(get_service().answer, message, lang)
                route = None if reply.decision.kind == "fallback" else "faq"
        if route is None:
            return [SlotSet(SLOT_ORDER_ROUTE, ORDER_ROUTE_FORM)]
        events = await answer_shop_question(
            dispatcher, tracker, domain, lang, stock_first=route == "stock"
        )
        return [*events, SlotSet(SLOT_ORDER_ROUTE, ORDER_ROUTE_ELSEWHERE)]


class ActionRequestHuman(LanguageFirstAction):
    """Rasa's guess "wants a person": escalate, unless the message itself asks for no one and
    names a product clearly ("makuualusta") or asks about stock ("any two person tents in
    stock?"), or is a question about something (:func:`bot.human_request.asks_for_no_one`:
    "talar er kundtjänst finska?") that the FAQ answers or whose product search finds, or is
    thanks for a matter settled already. The words of a request for a person
    (:func:`bot.human_request.asks_for_human`) always escalate.
    """

    def name(self) -> str:
        return "action_request_human"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message.get("text") or ""
        lang = conversation_language(tracker)
        reading = asks_for_no_one(message)
        if reading == THANKS:  # "kiitos, myyjä auttoi jo puhelimessa"
            say(dispatcher, domain, "utter_youre_welcome", lang)
            return ActionAskSatisfaction().run(dispatcher, tracker, domain)
        if reading == QUESTION:  # the usual answer still offers a person
            route = await answerable_elsewhere(message, lang, asked=True)
        else:
            # only a product found clearly: "kundtjänst tack" is a request the FAQ would answer
            # a message naming someone ("do you have someone who knows tents") keeps the guess
            person = asks_for_human(message) or mentions_someone(message)
            route = None if person else await answerable_elsewhere(message, lang, faq=False)
            if route is None and asks_about_stock(message) and not person:
                route = "stock"  # "any sup boards in stock?": no such product is said, no ticket
        if route is None:
            return await escalate(dispatcher, tracker, domain, lang, REASON_EXPLICIT_REQUEST)
        return await answer_shop_question(
            dispatcher, tracker, domain, lang, stock_first=route == "stock"
        )


def leave_forms(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], lang: str
) -> list[EventType]:
    """Leave the order or restock form, whichever waits, once another question is answered."""
    return [
        *leave_order_form(dispatcher, tracker, domain, lang),
        *leave_restock_form(dispatcher, tracker, domain, lang),
    ]


def _own_problem(message: str) -> bool:
    """Whether ``message`` reports a problem with the shopper's own item ("ostin kengät ja
    pohja irtosi") and does not ask about stock itself: the FAQ's warranty, damaged-item or
    returns entries answer it, not the product's stock."""
    return reports_a_problem(message) and not asks_about_stock(message)


def _faq_knows_live_orders() -> bool:
    return any(entry.live_order for entry in get_service().faq.entries)


def _live_order_close(reply: Reply) -> bool:
    """Whether an entry that the live order lookup answers better is the FAQ's answer or close
    to it (within the clarify window): then the message may well ask about the shopper's own
    order ("missä tilaukseni on?" ranked "can I change my order" just ahead of "track my
    order"), and the order form keeps it."""
    service = get_service()
    top = reply.matches[0].score
    window = service.thresholds.policy.clarify_window
    for match in reply.matches:
        if top - match.score > window:  # not sorted by score (retrieval.row_temperature)
            continue
        entry = service.faq.get(match.id)
        if entry is not None and entry.live_order:
            return True
    return False


async def answerable_elsewhere(
    message: str,
    lang: str,
    faq: bool = True,
    product_alone: bool = True,
    unsold: bool = False,
    asked: bool = False,
) -> str | None:
    """``"faq"`` when the FAQ answers ``message`` outright (with ``faq``; not when a
    ``live_order`` entry is the answer or close to it), ``"stock"`` when product search finds
    it clearly (one product, with ``product_alone``, or products and a size, colour or store,
    a question whether we have it, nothing but a product's name, or a question about products
    when ``asked``: "how many people fit in the tent?"), or, with ``unsold``, when
    it asks whether we have something that we do not sell ("do you sell surfboards?"), else
    None. A problem with the shopper's own item ("my headlamp stopped working") is ``"faq"``
    when the FAQ answers it or offers entries, even without ``faq``, and ``"stock"`` only when
    it also asks whether we have something."""
    problem = _own_problem(message)
    if faq or problem:
        reply: Reply = await embedding(get_service().answer, message, lang)
        if reply.decision.kind == "answer" and not _live_order_close(reply):
            return "faq"
        if problem and reply.decision.kind == "clarify":
            return "faq"  # "my headlamp stopped working": the warranty entries, not its stock
    if problem and not asks_for_product(message):
        return None
    try:
        shop = get_shop()
        found = await embedding(shop.search, message, lang)
        alone = product_alone and found.decision == "one"
        # "any two person tents in stock?", "erä 3 teltan saatavuus": a product asked for
        asked = asked or bool(shop.wish(message)) or asks_for_product(message) or found.named
        if alone or (found.decision != "none" and asked):
            return "stock"
        if unsold and found.decision == "none" and asks_for_product(message):
            return "stock"
    except (ShopError, ShopUnavailable):
        pass
    return None


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
    reply = await embedding(get_service().answer, message, lang)
    kind = reply.decision.kind
    problem = _own_problem(message)
    stock_first = stock_first and not problem
    # an answer only the question's words confirm ("kuorihousut koko M, onko?" sharing "koko"
    # with the size guide) yields to a product named with its size, colour or store
    firm = kind == "answer" and reply.decision.firm
    # the words of stock itself ("is the era 2 in stock?") let a product found beat the FAQ's
    # general answer about stock; "when is it back in stock" keeps the FAQ's restock answer
    if firm and not stock_first and not asks_about_stock_now(message):
        return [
            *leave_forms(dispatcher, tracker, domain, lang),
            *await answer_faq(dispatcher, tracker, domain, lang, reply),
        ]
    stock = stock_first  # whether the shopper is getting a stock answer
    left: list[EventType] = []
    try:
        shop = get_shop()
        found = await embedding(shop.search, message, lang)
        wish = await asyncio.to_thread(shop.wish, message)
        # a product found beats the FAQ's buttons or fallback when the message reads like a
        # stock question: Rasa said so, it asks whether we have it, it names a size, colour or
        # store, it is nothing but a product's name, or it names one product clearly and the
        # FAQ has nothing
        asked = stock_first or asks_for_product(message)
        one_alone = found.decision == "one" and kind == "fallback"
        stock_like = asked or bool(wish) or one_alone or found.named
        if problem:  # the FAQ's answer or buttons first; a product only when asked for
            asked = stock_like = kind == "fallback" and asks_for_product(message)
        if found.decision != "none" and stock_like:
            stock = True
            left = leave_forms(dispatcher, tracker, domain, lang)
            return [*left, *await reply_with_stock(dispatcher, domain, lang, found, wish)]
        if found.decision == "none" and asked and not firm:
            # "har ni kanoter": say we have no such product, and still offer the FAQ's buttons
            # (or its answer, when only the question's words confirm it)
            stock = True
            left = leave_order_form(dispatcher, tracker, domain, lang)
            said = await reply_with_stock(dispatcher, domain, lang, found, wish)
            if kind != "fallback":
                said += await answer_faq(dispatcher, tracker, domain, lang, reply)
            return [*left, *said]
    except (ShopError, ShopUnavailable):
        if stock:
            return [*left, *shop_down(dispatcher, domain, lang)]
    # an answer or the entries to choose from; a message the FAQ does not know ("10023", a
    # typo'd number) keeps the order form, which asks for the number again
    if kind != "fallback":
        left = leave_forms(dispatcher, tracker, domain, lang)
    return [*left, *await answer_faq(dispatcher, tracker, domain, lang, reply)]
