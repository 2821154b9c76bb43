"""Whether a message speaks of an order at all (``bot.shop.order_words``)."""

from __future__ import annotations

import pytest

from bot.shop.order_words import asks_to_change_an_order, mentions_an_order
from bot.shop.service import find_order_number
from tests.bot.test_small_talk import _examples


def test_every_nlu_order_question_without_a_number_speaks_of_an_order() -> None:
    questions = [t for _, _, t in _examples({"order_status"}) if find_order_number(t) is None]
    assert len(questions) > 40
    assert [t for t in questions if not mentions_an_order(t)] == []


@pytest.mark.parametrize(
    "text",
    ["will it get here before xmas", "missä mun paketti viipyy", "när kommer mina grejer"],
)
def test_orders_parcels_and_deliveries(text: str) -> None:
    assert mentions_an_order(text)


@pytest.mark.parametrize(
    "text", ["what wax should I use for classic skis at -5", "mikä voide sopii pakkaselle"]
)
def test_questions_about_no_order(text: str) -> None:
    assert not mentions_an_order(text)


def test_no_nlu_order_question_reads_as_a_request_to_change_an_order() -> None:
    questions = [t for _, _, t in _examples({"order_status"})]
    assert [t for t in questions if asks_to_change_an_order(t)] == []


@pytest.mark.parametrize(
    "text",
    [
        "please cancel my order, I changed my mind",
        "i need to change the size on an order i placed 10 min ago",
        "laitoin tilaukseen väärän osoitteen",
        "haluun perua tilauksen",
        "voiko tilausta vielä muuttaa",
        "kan jag ändra min beställning",
        "jag vill avbryta ordern",
    ],
)
def test_requests_to_cancel_or_change_an_order(text: str) -> None:
    assert asks_to_change_an_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "tilasin muutama päivä sitten, missä paketti",
        "onko paketti jo perillä",
        "var är mitt paket",
        "andra paketet kom inte",
    ],
)
def test_order_questions_that_change_nothing(text: str) -> None:
    assert not asks_to_change_an_order(text)
