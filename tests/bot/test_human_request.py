from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import human_request
from bot.human_request import asks_for_human
from bot.language import fold_diacritics
from tests.deadline import finishes


@pytest.mark.parametrize(
    "text",
    [
        "agent",
        "human please",
        "I want to talk to a real person",
        "can I speak with someone",
        "this bot is useless, get me someone",
        "connect me to customer service",
        "I want to talk to someone about my return",
        "live agent",
        "haluan puhua ihmiselle",
        "voinko puhua oikean ihmisen kanssa",
        "asiakaspalvelija kiitos",
        "yhdistä minut asiakaspalveluun",
        "haluun jutella jonkun kanssa palautuksesta",
        "haluan puhua ihmisen kanssa",
        "ihminen",
        "kan jag få prata med någon",
        "jag vill prata med en människa",
        "koppla mig till kundtjänst",
        "kan jag prata med en handlaggare",
        "manniska tack",
        "person, please!",
        "agent. now!",
        "please call me back about my order",
        "voisitteko soittaa minulle",
        "onko täällä oikeaa ihmistä",
        "kan någon ringa mig",
        "prata med kundtjanst",
        "put a person on the line",
        "could you find somebody for me",
    ],
)
def test_requests_for_a_person(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "how long does delivery take",
        "can I return a used item",
        "is the tent in stock",
        "what are your customer service hours",
        "paljonko toimitus maksaa",
        "voiko tilauksen perua",
        "asiakaspalvelun aukioloajat",
        "hur lång är leveranstiden",
        "kan jag byta storlek",
        "när har kundtjänst öppet",
        "do you have a human-size sleeping bag?",
        "can I call you on weekends",
        "what ring sizes do the gloves come in",
        "när ringer ni om leveransen",
        "montako ihmistä teltta vetää",
        "is there someone on the phone at weekends",
        "where can i find someone to fix my tent",
    ],
)
def test_ordinary_questions(text: str) -> None:
    assert not asks_for_human(text)


# -- any text, any length -----------------------------------------------------------------------

# The patterns rewritten to run in linear time, as they were: they must match the same texts.
_ORIGINALS = {
    r"\b(human|person|agent|operator|representative|rep)[\s.,!]*+(please|pls|plz|now)?[\s.!?]*+$": r"\b(human|person|agent|operator|representative|rep)[\s.,!]*(please|pls|plz|now)?[\s.!?]*$",
    r"\b(get|connect|transfer|put)\s+me\s++(to|through|with)?\s*+(someone|somebody|a human|a person|an agent|customer service|support)": r"\b(get|connect|transfer|put)\s+me\s+(to|through|with)?\s*(someone|somebody|a human|a person|an agent|customer service|support)",
    r"(?:\A|(?<=\n))(?>[^\n]*?\b(puhu(a|n)?|jutella|keskustella)\s+)[^\n]*?\b(jonkun|ihmisen|asiakaspalvelu|henkil[oö])": r"\b(puhu(a|n)?|jutella|keskustella)\s+.*\b(jonkun|ihmisen|asiakaspalvelu|henkil[oö])",
}
_REFERENCE = re.compile("|".join(f"(?:{_ORIGINALS.get(p, p)})" for p in human_request._PATTERNS))
# Pieces of requests, so that hypothesis puts together near-requests often.
_PIECES = [
    "puhu", "puhua", "jutella", "jonkun", "ihmisen", "henkilö", "asiakaspalvelu", "human",
    "agent", "rep", "please", "now", "get", "me", "to", "someone", "an agent", "talk", "x",
    "ä", " ", "  ", "\n", "\t", ".", "!", "?", ",",
]  # fmt: skip
_REQUESTY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@given(st.one_of(_REQUESTY, st.text()))
def test_the_linear_patterns_match_what_the_originals_matched(text: str) -> None:
    for variant in (text, fold_diacritics(text)):
        assert bool(human_request._REGEX.search(variant)) == bool(_REFERENCE.search(variant))


@given(st.text())
def test_any_text_is_read(text: str) -> None:
    assert asks_for_human(text) in (True, False)


@pytest.mark.parametrize(
    "text",
    [
        "human" + " " * 200_000 + "x",  # "human[\s.,!]*...[\s.!?]*$" split the spaces every way
        "get me" + " " * 200_000 + "x",
        "puhu " * 40_000,  # "puhu .*" scanned to the end after every "puhu"
        "puhua asiasta " * 15_000,
        "asiakaspalvelija " * 12_000,
        "\n" * 200_000,
        "ä" * 200_000,
    ],
    ids=["human-spaces", "get-me-spaces", "puhu", "puhua-words", "asiakaspalvelija", "lines", "ä"],
)
def test_a_huge_message_is_read_in_linear_time(text: str) -> None:
    assert finishes(asks_for_human, text)
