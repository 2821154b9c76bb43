from __future__ import annotations

import pytest

from bot.shop.service import Wish, find_order_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("missä on tilaukseni 100234?", "100234"),
        ("order #100235 please", "100235"),
        ("ordernummer: 100236.", "100236"),
        ("100234 ja 100235", None),  # two numbers: ask rather than guess
        ("postinumero 00100", None),
        ("KO-VA45-100234", None),  # part of a product code
        ("tilaus 1002345", None),
    ],
)
def test_order_numbers(text: str, number: str | None) -> None:
    assert find_order_number(text) == number


def test_wish_survives_the_slot_round_trip() -> None:
    wish = Wish({"size": "M", "colour": "black"}, "tampere")
    assert Wish.from_slot(wish.as_slot()) == wish
    assert Wish.from_slot(None) == Wish()
