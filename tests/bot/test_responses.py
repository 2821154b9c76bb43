"""Recognising which domain.yml response a bot message is."""

from __future__ import annotations

from typing import Any

from bot.responses import ResponseRecogniser, load_responses, normalise
from tests.conftest import ROOT

RESPONSES: dict[str, Any] = {
    "utter_stock_in_store": [
        {
            "condition": [{"name": "language", "value": "fi"}],
            "text": "{product}: {store} {quantity} kpl.",
        },
        {"text": "{product}: {store} has {quantity}."},
    ],
    "utter_handoff_queued": [{"text": "You are number {position} in the queue."}],
    "utter_echo": [{"text": "{text}"}],
    "utter_image_only": [{"image": "https://example.com/x.png"}],
}


def test_placeholders_match_any_text() -> None:
    recogniser = ResponseRecogniser(RESPONSES)
    assert recogniser.name_of("You are number 12 in the queue.") == "utter_handoff_queued"
    assert recogniser.name_of("Kuru 20 (blue): Oulu store has 3.") == "utter_stock_in_store"
    assert recogniser.name_of("Kuru 20: Oulun myymälä 3 kpl.") == "utter_stock_in_store"


def test_the_fixed_text_must_match_whole() -> None:
    recogniser = ResponseRecogniser(RESPONSES)
    assert recogniser.name_of("You are number 12 in the queue. And more.") is None
    assert recogniser.name_of("Number 12 in the queue.") is None


def test_a_bare_placeholder_never_recognises_anything() -> None:
    assert ResponseRecogniser(RESPONSES).name_of("anything at all") is None


def test_case_and_spacing_do_not_matter() -> None:
    recogniser = ResponseRecogniser(RESPONSES)
    assert recogniser.name_of("  you are NUMBER 3\nin the   queue. ") == "utter_handoff_queued"
    assert normalise("  Hej\tDÅ ") == "hej då"


def test_every_language_of_the_shipped_domain_is_recognised() -> None:
    responses = load_responses(ROOT / "domain.yml")
    recogniser = ResponseRecogniser(responses)
    for name in ("utter_goodbye", "utter_bot_challenge", "utter_out_of_scope", "utter_fallback"):
        for variation in responses[name]:
            assert recogniser.name_of(variation["text"]) == name


def test_fragments_without_words_are_never_recognised() -> None:
    fragments = {"utter_date_format": [{"text": "{day}/{month} {year}"}], **RESPONSES}
    assert ResponseRecogniser(fragments).name_of("Okej, 7/2 och 2026") is None
