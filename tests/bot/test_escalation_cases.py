"""The held-out escalation set (tests/data/escalation_cases.yml) is well formed and unseen.

It measures whether requests for a person are recognised (scripts/escalation_eval.py), so none
of its messages may also be an NLU training example or a FAQ question: that would inflate recall
(tests/test_held_out.py checks it).
"""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, StringConstraints

from bot.language import LANGUAGES, Language
from bot.yamlfile import read_yaml, validate
from tests.conftest import ROOT

CASES = ROOT / "tests" / "data" / "escalation_cases.yml"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class EscalationCasesModel(BaseModel):
    """The whole file: messages per language that must escalate, and that must not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    escalate: dict[Language, list[Text]]
    negatives: dict[Language, list[Text]]


def _norm(text: str) -> str:
    """Case-insensitive, punctuation-insensitive, whitespace-normalised form of a message."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def load_cases() -> EscalationCasesModel:
    """The validated escalation set; fails the test with ``file:line:col`` problems."""
    doc = read_yaml(CASES)
    model = validate(doc, EscalationCasesModel)
    assert model is not None and not doc.problems, "\n".join(doc.problems)
    return model


def all_messages(model: EscalationCasesModel) -> list[tuple[str, str, str]]:
    """``(set, lang, text)`` for every message of the file."""
    return [
        (name, lang, text)
        for name, by_lang in (("escalate", model.escalate), ("negatives", model.negatives))
        for lang, texts in by_lang.items()
        for text in texts
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_enough_cases(lang: Language) -> None:
    model = load_cases()
    assert len(model.escalate.get(lang, [])) >= 40, lang
    assert len(model.negatives.get(lang, [])) >= 15, lang


def test_no_duplicates_and_no_message_in_both_sets() -> None:
    model = load_cases()
    for name, lang, text in all_messages(model):
        same = [t for n, la, t in all_messages(model) if (n, la) == (name, lang)]
        assert [_norm(t) for t in same].count(_norm(text)) == 1, (name, lang, text)
    escalate = {_norm(text) for name, _, text in all_messages(model) if name == "escalate"}
    negatives = {_norm(text) for name, _, text in all_messages(model) if name == "negatives"}
    assert escalate.isdisjoint(negatives), sorted(escalate & negatives)
