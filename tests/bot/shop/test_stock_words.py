from __future__ import annotations

import pytest

from bot.shop.stock_words import (
    asks_about_stock,
    asks_about_stock_now,
    asks_for_product,
    mentions_someone,
    without_stock_words,
)


@pytest.mark.parametrize(
    "text", ["is the Zorblax hoverboard in stock?", "onko tätä varastossa", "finns den i lager"]
)
def test_stock_words(text: str) -> None:
    assert asks_about_stock(text)


@pytest.mark.parametrize("text", ["how long does delivery take", "stocking stuffer ideas", ""])
def test_not_stock_words(text: str) -> None:
    assert not asks_about_stock(text)


@pytest.mark.parametrize(
    "text",
    [
        "got any Erä left?",
        "have you got the down vest in blue?",
        "do you guys sell trekking poles",
        "onks teil kahen hengen telttaa",
        "löytyykö vaelluskenkiä 43",
        "myyttekö kajakkeja",
        "onko kuksaa jäljellä",
        "har ni pannlampor",
        "säljer ni yxor",
        "finns det ryggsäckar kvar",
        "erä 3 teltan saatavuus",
    ],
)
def test_asking_whether_the_shop_has_something(text: str) -> None:
    assert asks_for_product(text)


@pytest.mark.parametrize(
    "text", ["how much does delivery cost", "do you repair tents", "har du fått mitt mejl", ""]
)
def test_not_asking_for_a_product(text: str) -> None:
    assert not asks_for_product(text)


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("is the era 2 in stock?", True),
        ("onko untuvaliivi varastossa sinisenä", True),
        ("when will the jacket be back in stock", False),
        ("när kommer jackan tillbaka i lager", False),
        ("milloin teltta tulee takaisin varastoon", False),
    ],
)
def test_stock_now_or_when_it_is_back(text: str, now: bool) -> None:
    assert asks_about_stock_now(text) is now


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("finns det skidor 170 cm i lager", "skidor 170 cm"),
        ("do you have the hiking boots in 44", "the hiking boots in 44"),
        ("onko teillä kuoritakkia koossa L", "kuoritakkia koossa L"),
        ("Kiilo 900", "Kiilo 900"),
    ],
)
def test_without_stock_words(text: str, bare: str) -> None:
    assert without_stock_words(text) == bare


@pytest.mark.parametrize(
    ("text", "someone"),
    [
        ("can someone check the stock for me", True),
        ("voisko joku tarkistaa varastosta", True),
        ("finns det någon som vet om tältet finns i lager", True),
        ("any two person tents in stock?", False),
        ("onks teil kahen hengen telttaa", False),
    ],
)
def test_someone_named(text: str, someone: bool) -> None:
    assert mentions_someone(text) is someone
