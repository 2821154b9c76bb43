"""Whether a message speaks of an order at all (``bot.shop.order_words``)."""

from __future__ import annotations

import pytest

from bot.shop.order_words import mentions_an_order
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
