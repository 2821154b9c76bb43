from __future__ import annotations

import pytest

from bot.shop.stock_words import asks_about_stock


@pytest.mark.parametrize(
    "text", ["is the Zorblax hoverboard in stock?", "onko tätä varastossa", "finns den i lager"]
)
def test_stock_words(text: str) -> None:
    assert asks_about_stock(text)


@pytest.mark.parametrize("text", ["how long does delivery take", "stocking stuffer ideas", ""])
def test_not_stock_words(text: str) -> None:
    assert not asks_about_stock(text)
