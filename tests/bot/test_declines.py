from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import declines as declines_module
from bot.declines import declines
from bot.language import fold_diacritics
from tests.deadline import finishes


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


@given(st.text())
def test_any_text_is_read(text: str) -> None:
    assert declines(text) in (True, False)


@given(st.lists(st.sampled_from(["no", "ei", " ", "\n", ".", "!", "x", "kiitos"])).map("".join))
def test_the_linear_pattern_matches_what_the_original_matched(text: str) -> None:
    original = re.compile(declines_module._DECLINE.pattern.replace("*+", "*"))
    assert declines(text) is bool(original.match(fold_diacritics(text.lower())))


def test_a_huge_message_is_read_in_linear_time() -> None:
    assert finishes(declines, "no" + " " * 100_000 + "x")  # "\s*[.!]*\s*" split the spaces
