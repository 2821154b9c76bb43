"""The held-out escalation set (tests/data/escalation_cases.yml) is well formed and unseen.

It measures whether requests for a person are recognised (scripts/escalation_eval.py), so none
of its messages may also be an NLU training example or a FAQ question: that would inflate recall.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, StringConstraints

from bot.faq.loader import load_faq
from bot.language import LANGUAGES, Language
from bot.yamlfile import read_yaml, validate
from tests.conftest import ROOT

CASES = ROOT / "tests" / "data" / "escalation_cases.yml"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Rasa entity annotations: [text](entity) and [text]{"entity": ...} keep only their text.
ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


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


def nlu_examples(path: Path) -> list[str]:
    """Every training example of a Rasa NLU file (``examples: |`` blocks or lists of texts)."""
    doc = read_yaml(path)
    assert not doc.problems, "\n".join(doc.problems)
    examples: list[str] = []
    for item in (doc.data or {}).get("nlu") or []:
        block: Any = item.get("examples") if isinstance(item, dict) else None
        if isinstance(block, str):
            lines = [line.strip() for line in block.splitlines()]
            examples += [line[2:] for line in lines if line.startswith("- ")]
        elif isinstance(block, list):
            examples += [e["text"] if isinstance(e, dict) else str(e) for e in block]
    return [ENTITY.sub(r"\1", example) for example in examples]


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


def test_no_case_is_an_nlu_training_example() -> None:
    files = sorted((ROOT / "data" / "nlu").glob("*.yml"))
    assert files, "no NLU files found"
    seen: dict[str, str] = {}
    for path in files:
        examples = nlu_examples(path)
        assert examples, f"{path}: no training examples parsed; has the NLU format changed?"
        seen.update({_norm(example): path.name for example in examples})
    overlap = [
        f"{name}.{lang}: {text!r} is a training example in data/nlu/{seen[_norm(text)]}"
        for name, lang, text in all_messages(load_cases())
        if _norm(text) in seen
    ]
    assert overlap == [], "rephrase the held-out case(s):\n" + "\n".join(overlap)


def test_no_case_is_a_faq_question() -> None:
    faq = load_faq(ROOT / "data" / "faq")
    questions = {
        _norm(q): entry.id for entry in faq.entries for qs in entry.questions.values() for q in qs
    }
    assert questions
    overlap = [
        f"{name}.{lang}: {text!r} is a question of FAQ entry {questions[_norm(text)]!r}"
        for name, lang, text in all_messages(load_cases())
        if _norm(text) in questions
    ]
    assert overlap == [], "rephrase the held-out case(s):\n" + "\n".join(overlap)
