"""Markers of greetings, thanks, goodbyes and bot challenges (``bot.small_talk``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.small_talk import MARKED_INTENTS, reads_as

NLU = Path(__file__).resolve().parents[2] / "data" / "nlu"
_ENTITY = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _examples(intents: frozenset[str] | set[str]) -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(NLU.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if block.get("intent") in intents:
                for line in block["examples"].splitlines():
                    text = _ENTITY.sub(r"\1", line.strip().removeprefix("- ").strip())
                    if text:
                        found.append((path.stem, block["intent"], text))
    return found


def test_every_nlu_example_of_a_marked_intent_reads_as_it() -> None:
    examples = _examples(MARKED_INTENTS)
    assert len(examples) > 300
    missing = [
        (lang, intent, text) for lang, intent, text in examples if not reads_as(intent, text)
    ]
    assert missing == []


def test_shop_questions_of_the_nlu_data_read_as_no_goodbye_or_bot_challenge() -> None:
    questions = _examples({"ask_faq", "check_stock", "order_status"})
    assert len(questions) > 300
    # questions whether a person is in the chat share the bot challenge's words, and its reply
    # (a bot; customer service's people help) fits them
    about_people = re.compile(r"\b(human|ihminen|m[aä]nniska)\b.*\bchat|chat\w* .*\bihminen")
    taken = [
        (intent, text)
        for _, _, text in questions
        for intent in ("goodbye", "bot_challenge")
        if reads_as(intent, text) and not (intent == "bot_challenge" and about_people.search(text))
    ]
    assert taken == []


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("goodbye", "och hur länge är ångerrätten"),
        ("goodbye", "can i pay later"),
        ("bot_challenge", "is there a warranty"),
        ("bot_challenge", "i live in sweden, do i pay for returns"),
        ("bot_challenge", "kuinka monta ihmistä telttaan mahtuu"),
        ("thanks", "entä palautukset?"),
        ("greet", "kelpaako mobilepay"),
        ("stop", "will it get here before xmas"),
        ("stop", "onko takuuta"),
        ("affirm", "how long is the right of withdrawal"),
        ("deny", "entä palautukset?"),
    ],
)
def test_shop_questions_carry_no_marker(intent: str, text: str) -> None:
    assert not reads_as(intent, text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("goodbye", "kiitti ja moi"),
        ("goodbye", "Tack och hej då!"),
        ("goodbye", "ok bye"),
        ("bot_challenge", "Puhunko ihmisen kanssa?"),
        ("bot_challenge", "är du en bot"),
        ("thanks", "Kiitoksia paljon"),
        ("greet", "Hejsan!"),
        ("affirm", "Joo, kiitos!"),
        ("deny", "nej tack, det är bra"),
        ("stop", "forget it"),
    ],
)
def test_small_talk_reads_as_itself(intent: str, text: str) -> None:
    assert reads_as(intent, text)


def test_intents_without_markers_are_always_taken_at_their_word() -> None:
    assert reads_as("ask_faq", "whatever") and reads_as("check_stock", "")
