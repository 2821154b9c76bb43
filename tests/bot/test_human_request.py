from __future__ import annotations

import pytest

from bot.human_request import asks_for_human


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
    ],
)
def test_ordinary_questions(text: str) -> None:
    assert not asks_for_human(text)
