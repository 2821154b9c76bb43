from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import declines as declines_module
from bot.declines import beyond_yes_or_no, declines
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


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("no, how much is delivery?", "how much is delivery?"),
        ("Ei. Entä palautukset?", "Entä palautukset?"),
        ("kyllä, mutta mitä toimitus maksaa", "mutta mitä toimitus maksaa"),
        ("nej tack", ""),
        ("No, not really.", "not really."),
        ("jag vill byta", "jag vill byta"),
        ("nope", ""),
        ("", ""),
    ],
)
def test_what_a_reply_says_beyond_yes_or_no(text: str, rest: str) -> None:
    assert beyond_yes_or_no(text) == rest


@given(st.text())
def test_any_text_is_read(text: str) -> None:
    assert declines(text) in (True, False)


@given(st.lists(st.sampled_from(["no", "ei", " ", "\n", ".", "!", "x", "kiitos"])).map("".join))
def test_the_linear_pattern_matches_what_the_original_matched(text: str) -> None:
    original = re.compile(declines_module._DECLINE.pattern.replace("*+", "*"))
    assert declines(text) is bool(original.match(fold_diacritics(text.lower())))


def test_a_huge_message_is_read_in_linear_time() -> None:
    assert finishes(declines, "no" + " " * 100_000 + "x")  # "\s*[.!]*\s*" split the spaces


def test_a_long_run_of_yes_and_no_is_read_in_linear_time() -> None:
    assert finishes(beyond_yes_or_no, "no " * 100_000 + "x")
