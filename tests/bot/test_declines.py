from __future__ import annotations

import pytest

from bot.declines import beyond_yes_or_no, declines


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
