from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.shop.service import Wish, find_order_number
from tests.deadline import finishes


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


@given(st.one_of(st.text(alphabet="#0123456789 -x\n", max_size=40), st.text()))
def test_an_order_number_found_is_six_digits_of_the_text(text: str) -> None:
    number = find_order_number(text)
    assert number is None or (len(number) == 6 and number.isdigit() and number in text)


@pytest.mark.parametrize("text", ["1" * 200_000, "#123456-" * 25_000, "# " * 100_000])
def test_a_huge_message_is_read_in_linear_time(text: str) -> None:
    assert finishes(find_order_number, text)
