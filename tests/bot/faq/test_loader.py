from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import FaqValidationError
from bot.faq.loader import load_faq
from tests.conftest import write


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(FaqValidationError) as caught:
        load_faq(directory)
    return caught.value.problems


def test_loads_valid_faq(faq_dir: Path) -> None:
    faq = load_faq(faq_dir)
    assert [e.id for e in faq.entries] == ["delivery_time", "return_period", "damaged_item"]
    entry = faq.get("delivery_time")
    assert entry is not None and entry.topic == "demo"
    assert entry.answer["sv"] == "Leveransen tar 1-3 vardagar."
    assert entry.source.endswith("demo.yml:3:5")
    assert faq.get("damaged_item").handoff is True  # type: ignore[union-attr]


def test_warns_about_missing_translations(faq_dir: Path) -> None:
    warnings = load_faq(faq_dir).warnings
    # return_period has sv questions but no sv answer; damaged_item has only en: no warning
    assert (
        len(warnings) == 1 and "entries[1].answer.sv: questions in sv but no answer" in warnings[0]
    )
    write(
        faq_dir / "extra.yml",
        """\
        entries:
          - id: gift_card
            questions: {sv: ["Presentkort?"], en: ["Gift card?"]}
            answer: {en: "Yes.", fi: "Kyllä."}
        """,
    )
    warnings = load_faq(faq_dir).warnings
    assert any(
        "extra.yml:2:5: entries[0].answer.sv: questions in sv but no answer" in w for w in warnings
    )
    assert any("entries[0].questions.fi: an answer in fi but no questions" in w for w in warnings)


def test_reports_every_problem_at_once_with_positions(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yml",
        """\
        topic: returns
        entries:
          - id: return_period
            questions:
              en: ["How long?", ""]
              de: ["Wie lange?"]
            answer:
              en: "30 days"
              sv: "  "
            colour: red
          - id: Bad-Id
            questions: {en: ["x"]}
            answer: {fi: "x"}
          - id: no_answer
            questions: {en: ["x"]}
            answer: {}
        """,
    )
    write(
        tmp_path / "b.yml",
        """\
        entries:
          - id: return_period
            questions: {en: ["again"]}
            answer: {en: "dup"}
        """,
    )
    write(tmp_path / "c.yml", 'entries:\n  - id: x\n    questions: {en: ["a"]\n')
    problems = problems_of(tmp_path)
    expected = [
        "a.yml:5:25: entries[0].questions.en[1]: must not be empty",
        "a.yml:6:7: entries[0].questions.de: unknown value 'de'",
        "a.yml:9:11: entries[0].answer.sv: must not be empty",
        "a.yml:10:5: entries[0].colour: unknown key",
        "a.yml:11:9: entries[1].id: 'Bad-Id' does not match",
        "a.yml:14:5: entries[2]: needs an answer in at least one language",
        "b.yml:2:9: entries[0].id: duplicate id 'return_period' (first at",
        "c.yml:4:1: YAML syntax error",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yml",
        """\
        entries:
          - id: a
            questions: {en: ["q"]}
            answer: {en: "one"}
            answer: {en: "two"}
        """,
    )
    problems = problems_of(tmp_path)
    assert len(problems) == 1
    assert "a.yml:5:5: entries[0].answer: duplicate key (first at line 4)" in problems[0]


def test_empty_directory_and_wrong_top_level(tmp_path: Path) -> None:
    assert "no FAQ files" in problems_of(tmp_path)[0]
    write(tmp_path / "a.yml", "- just a list\n")
    assert "a.yml:1:1: (top level): Input should be a valid dictionary" in problems_of(tmp_path)[0]


def test_entry_without_questions(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yml",
        """\
        entries:
          - id: a
            questions: {}
            answer: {en: "x"}
        """,
    )
    assert "entries[0]: needs at least one question" in problems_of(tmp_path)[0]


def test_shopper_questions_are_checked_like_questions(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yml",
        """\
        entries:
          - id: delivery_time
            questions: {en: ["How long does delivery take?"]}
            shopper_questions:
              en: ["when does my stuff come", ""]
              de: ["wann kommt es"]
            answer: {en: "Two days."}
        """,
    )
    problems = problems_of(tmp_path)
    expected = [
        "a.yml:5:39: entries[0].shopper_questions.en[1]: must not be empty",
        "a.yml:6:7: entries[0].shopper_questions.de: unknown value 'de'",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected)
