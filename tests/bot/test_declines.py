from __future__ import annotations

import pytest

from bot.declines import declines


@pytest.mark.parametrize(
    "text",
    ["no thanks", "Never mind", "/deny", "ei kiitos", "Ei tarvitse.", "nej tack", "glöm det"],
)
def test_refusals(text: str) -> None:
    assert declines(text)


@pytest.mark.parametrize(
    "text", ["aino at example", "aino@example.com", "no idea what my email is", "100234", ""]
)
def test_not_refusals(text: str) -> None:
    assert not declines(text)
