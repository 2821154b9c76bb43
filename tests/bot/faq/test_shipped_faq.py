"""The shipped FAQ is valid, complete in fi/sv/en, and independent of the labelled sets."""

from __future__ import annotations

import pytest
import yaml

from bot.faq.loader import load_faq
from bot.language import LANGUAGES
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


def _case_texts(name: str) -> set[str]:
    cases = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
    return {_norm(c["text"]) for c in cases["cases"]}


@pytest.mark.parametrize("name", ["eval_cases.yml", "faq_dev.yml"])
def test_labelled_questions_never_appear_in_the_faq(name: str) -> None:
    """Labelled questions are test data: an identical FAQ phrasing would inflate the figures."""
    faq = load_faq(ROOT / "data" / "faq")
    questions = {_norm(q) for e in faq.entries for qs in e.questions.values() for q in qs}
    assert sorted(_case_texts(name) & questions) == []


def test_the_dev_set_shares_no_question_with_the_eval_set() -> None:
    """Settings are tuned on faq_dev.yml; eval_cases.yml must stay unseen by that tuning."""
    assert sorted(_case_texts("faq_dev.yml") & _case_texts("eval_cases.yml")) == []
