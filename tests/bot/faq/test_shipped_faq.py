"""The shipped FAQ is valid, complete in fi/sv/en, and independent of the held-out eval set."""

from __future__ import annotations

import yaml

from bot.faq.loader import load_faq
from bot.faq.schema import LANGUAGES
from tests.conftest import ROOT


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def test_shipped_faq_is_valid_and_trilingual() -> None:
    faq = load_faq(ROOT / "data" / "faq")
    assert len(faq.entries) >= 25
    assert faq.warnings == ()
    for entry in faq.entries:
        for lang in LANGUAGES:
            assert entry.answer.get(lang), (entry.id, lang)  # type: ignore[call-overload]
            assert len(entry.questions.get(lang, ())) >= 3, (entry.id, lang)  # type: ignore[call-overload]


def test_eval_cases_never_appear_in_the_faq() -> None:
    """Evaluation questions are test data: an identical FAQ phrasing would inflate the figures."""
    faq = load_faq(ROOT / "data" / "faq")
    questions = {_norm(q) for e in faq.entries for qs in e.questions.values() for q in qs}
    cases = yaml.safe_load((ROOT / "tests/data/eval_cases.yml").read_text(encoding="utf-8"))
    overlap = sorted(_norm(c["text"]) for c in cases["cases"] if _norm(c["text"]) in questions)
    assert overlap == []
