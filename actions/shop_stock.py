"""Is it in stock? Variant and store stock, sold out → restock date + notify.

Which question gets a stock answer is decided in :mod:`actions.routing`.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import conversation_language, get_shop
from actions.texts import say, text
from bot.conversation import (
    AWAITING_NOTIFY_RESTOCK,
    AWAITING_OFFER_HUMAN,
    REASON_SHOP_DOWN,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_RESTOCK_ITEM,
    SLOT_STOCK_WISH,
)
from bot.errors import ShopError, ShopUnavailable
from bot.shop.models import Product, VariantStock
from bot.shop.service import Found, Wish
from bot.shop.vocab import variant_label


async def reply_with_stock(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    lang: str,
    found: Found,
    wish: Wish,
) -> list[EventType]:
    """The stock of the one product found, the candidates as buttons, or "no such product"."""
    if found.decision == "none":
        say(dispatcher, domain, "utter_stock_no_product", lang)
        return []
    if found.decision == "several":
        buttons = [
            {"title": p.name.get(lang) or p.name["fi"], "payload": _choose(p.id)}
            for p in found.products
        ]
        say(dispatcher, domain, "utter_stock_which_product", lang, buttons=buttons)
        return [SlotSet(SLOT_STOCK_WISH, wish.as_slot())]
    return await answer_stock(dispatcher, domain, lang, found.products[0], wish)


class ActionChooseProduct(Action):
    """The shopper picked one of the offered products: answer with the wish kept from before."""

    def name(self) -> str:
        return "action_choose_product"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        chosen = next(tracker.get_latest_entity_values("product_id"), None)
        try:
            shop = get_shop()
            product = await asyncio.to_thread(shop.product, chosen or "")
            if product is None:
                say(dispatcher, domain, "utter_stock_no_product", lang)
                return []
            wish = Wish.from_slot(tracker.get_slot(SLOT_STOCK_WISH))
            return [SlotSet(SLOT_STOCK_WISH, None)] + await answer_stock(
                dispatcher, domain, lang, product, wish
            )
        except (ShopError, ShopUnavailable):
            return shop_down(dispatcher, domain, lang)


async def answer_stock(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    lang: str,
    product: Product,
    wish: Wish,
) -> list[EventType]:
    """Say the stock of the wished variant(s) of ``product``; offer a restock email if sold out."""
    shop = get_shop()
    stocks = await asyncio.to_thread(shop.stock, product, wish)
    name = shop.display_name(product, stocks[0].variant if len(stocks) == 1 else None, lang)
    if len(stocks) > 1 and wish.store and len(stocks) <= 4:  # each variant in that store
        for each in stocks:
            level = next((lv for lv in each.levels if lv.location.id == wish.store), None)
            if level is None:
                break
            say(
                dispatcher,
                domain,
                "utter_stock_in_store",
                lang,
                product=shop.display_name(product, each.variant, lang),
                store=level.location.name.get(lang) or level.location.id,
                quantity=level.quantity,
                online=each.online,
            )
        else:
            return []
    if len(stocks) > 1:
        lines = [_variant_line(domain, lang, s) for s in stocks]
        say(
            dispatcher,
            domain,
            "utter_stock_variants",
            lang,
            product=name,
            variants=", ".join(lines),
        )
        return []
    stock = stocks[0]
    if stock.sold_out:
        item = {"product_id": product.id, "sku": stock.variant.sku, "name": name}
        if stock.restock_date:
            restock = date_text(domain, lang, stock.restock_date)
            say(dispatcher, domain, "utter_stock_sold_out", lang, product=name, restock=restock)
        else:
            say(dispatcher, domain, "utter_stock_sold_out_no_date", lang, product=name)
        return [
            SlotSet(SLOT_RESTOCK_ITEM, item),
            SlotSet(SLOT_AWAITING_ANSWER, AWAITING_NOTIFY_RESTOCK),
        ]
    if wish.store:
        level = next((lv for lv in stock.levels if lv.location.id == wish.store), None)
        if level is not None:
            store = level.location.name.get(lang) or level.location.id
            say(
                dispatcher,
                domain,
                "utter_stock_in_store",
                lang,
                product=name,
                store=store,
                quantity=level.quantity,
                online=stock.online,
            )
            return []
    stores = ", ".join(
        f"{lv.location.name.get(lang) or lv.location.id} {lv.quantity}"
        for lv in stock.levels
        if lv.location.is_store and lv.quantity > 0
    ) or text(domain, "utter_none_in_stores", lang)
    say(
        dispatcher,
        domain,
        "utter_stock_in_stock",
        lang,
        product=name,
        online=stock.online,
        stores=stores,
    )
    return []


def _variant_line(domain: dict[str, Any], lang: str, stock: VariantStock) -> str:
    label = variant_label(stock.variant, lang) or stock.variant.sku
    if stock.sold_out:
        return f"{label} {text(domain, 'utter_sold_out_word', lang)}"
    return f"{label} {stock.online + stock.in_stores}"


def date_text(domain: dict[str, Any], lang: str, day: date) -> str:
    """A date the way the shopper's language writes it."""
    return text(domain, "utter_date_format", lang, day=day.day, month=day.month, year=day.year)


def shop_down(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], lang: str
) -> list[EventType]:
    """The shop system does not answer: say so and offer a person."""
    say(dispatcher, domain, "utter_shop_unavailable", lang)
    return [
        SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
        SlotSet(SLOT_ESCALATION_REASON, REASON_SHOP_DOWN),
    ]


def _choose(product_id: str) -> str:
    return '/choose_product{"product_id":"' + product_id + '"}'
