"""The shipped FAQ is valid and complete in fi/sv/en (its independence of the labelled sets is
checked by tests/test_held_out.py)."""

from __future__ import annotations

from bot.faq.loader import load_faq
from bot.language import LANGUAGES
from tests.conftest import ROOT


def test_shipped_faq_is_valid_and_trilingual() -> None:
    faq = load_faq(ROOT / "data" / "faq")
    assert len(faq.entries) >= 25
    assert faq.warnings == ()
    for entry in faq.entries:
        for lang in LANGUAGES:
            assert entry.answer.get(lang), (entry.id, lang)  # type: ignore[call-overload]
            assert len(entry.questions.get(lang, ())) >= 3, (entry.id, lang)  # type: ignore[call-overload]
