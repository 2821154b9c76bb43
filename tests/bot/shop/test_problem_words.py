"""Whether a message reports a problem with the shopper's own item
(``bot.shop.problem_words``)."""

from __future__ import annotations

import pytest
import yaml

from bot.shop.problem_words import reports_a_problem
from tests.bot.test_small_talk import _examples
from tests.conftest import ROOT

SMALL_TALK = {"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "stop"}


def _cases(name: str) -> list[str]:
    path = ROOT / "tests" / "data" / name
    return [case["text"] for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]


def test_no_nlu_stock_question_or_small_talk_reads_as_a_problem() -> None:
    examples = _examples({"check_stock", *SMALL_TALK})
    assert len(examples) > 300
    assert [t for _, _, t in examples if reports_a_problem(t)] == []


def test_every_question_of_the_faq_s_damage_and_warranty_entries_reads_as_a_problem() -> None:
    entries = yaml.safe_load((ROOT / "data" / "faq" / "returns.yml").read_text("utf-8"))
    questions = [
        question
        for entry in entries["entries"]
        if entry["id"] in ("damaged_item", "warranty_claim")
        for phrasings in entry["questions"].values()
        for question in phrasings
    ]
    assert len(questions) > 60
    assert [q for q in questions if not reports_a_problem(q)] == []


def test_the_dev_sets_problems_read_as_problems_and_stock_questions_do_not() -> None:
    problems, stock = _cases("owned_dev.yml"), _cases("stock_dev.yml")
    assert len(problems) > 30 and len(stock) > 70
    assert [t for t in problems if not reports_a_problem(t)] == []
    assert [t for t in stock if reports_a_problem(t)] == []


@pytest.mark.parametrize(
    "text",
    [
        "the zipper of my rain jacket came apart after a week",
        "the headlamp flickers and won't turn on since the last trip",
        "my new boots are leaking at the toe",
        "we received the kayak with a dent in the hull, it was damaged",
        "the sleeping bag I ordered is the wrong colour, can I exchange it",
        "retkikeittimen sytytin lakkasi toimimasta",
        "rinkan olkahihna irtosi ekalla vaelluksella",
        "tilaamani kengät oli väärää kokoa, miten vaihdan ne",
        "makuupussin vetoketju on rikki, kuuluuko takuuseen",
        "pannlampan slutade fungera efter en vecka",
        "kängorna jag beställde passade inte, kan jag returnera dem",
        "tältduken har en reva och bågen gick sönder",
        "min termos läcker",
    ],
)
def test_problems_with_the_shopper_s_own_item(text: str) -> None:
    assert reports_a_problem(text)


@pytest.mark.parametrize(
    "text",
    [
        "do you have the headlamp that charges with usb-c",
        "any leakproof thermos flasks in stock?",
        "is the rain jacket available in a bigger size",
        "onko teillä vuotamatonta termaria",
        "löytyykö isompaa kokoa vaelluskengistä",
        "onko kotateltta myymälässä tampereella",
        "finns det en större storlek av fleecejackan",
        "har ni liggunderlag på lager i Åbo",
        "",
    ],
)
def test_stock_questions_are_no_problem(text: str) -> None:
    assert not reports_a_problem(text)
