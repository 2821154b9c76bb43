"""Accepted shopper questions written into the FAQ's YAML files (``bot.faq.writer``)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.errors import FaqWriteError
from bot.faq.loader import load_faq
from bot.faq.writer import add_shopper_questions
from tests.conftest import ROOT

FILE = """\
# Returns, written by the shop's editors
entries:
  - id: return_period
    questions:
      en:
        - "How long do I have to return an item?"  # the title
      fi: ["Kauanko minulla on aikaa palauttaa?"]
    answer:
      en: "30 days."
      fi: "30 päivää."

  # next: how to return
  - id: return_how
    questions:
      en:
        - "How do I return an item?"
    answer:
      en: "Use the return form."
    shopper_questions:
      en:
        - "send stuff back how"

"""


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    path = tmp_path / "faq"
    path.mkdir()
    (path / "returns.yml").write_text(FILE, encoding="utf-8")
    return path


def test_questions_are_added_and_nothing_else_changes(faq_dir: Path) -> None:
    changed = add_shopper_questions(
        faq_dir,
        {
            "return_period": {"fi": ["montako päivää on aikaa palauttaa"]},
            "return_how": {
                "en": ["send stuff back how", "how do i send it back"],
                "sv": ["retur?"],
            },
        },
    )
    assert changed == [faq_dir / "returns.yml"]
    text = (faq_dir / "returns.yml").read_text(encoding="utf-8")
    assert text == FILE.replace(
        '      fi: "30 päivää."\n',
        '      fi: "30 päivää."\n    shopper_questions:\n      fi:\n'
        '        - "montako päivää on aikaa palauttaa"\n',
    ).replace(
        '        - "send stuff back how"\n',
        '        - "send stuff back how"\n        - "how do i send it back"\n'
        '      sv:\n        - "retur?"\n',
    )
    faq = load_faq(faq_dir)
    period, how = faq.get("return_period"), faq.get("return_how")
    assert period is not None and period.shopper_questions == {
        "fi": ("montako päivää on aikaa palauttaa",)
    }
    assert how is not None and how.shopper_questions == {
        "en": ("send stuff back how", "how do i send it back"),
        "sv": ("retur?",),
    }


def test_known_questions_change_nothing(faq_dir: Path) -> None:
    assert add_shopper_questions(faq_dir, {"return_how": {"en": ["send stuff back how"]}}) == []
    assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == FILE


def test_the_shipped_faq_gets_only_added_lines(tmp_path: Path) -> None:
    faq_dir = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq_dir)
    additions = {entry.id: {"sv": [f"fråga om {entry.id}"]} for entry in load_faq(faq_dir).entries}
    changed = add_shopper_questions(faq_dir, additions)
    assert len(changed) == len(list(faq_dir.glob("*.yml")))
    for path in changed:
        before = (ROOT / "data" / "faq" / path.name).read_text(encoding="utf-8").splitlines()
        after = path.read_text(encoding="utf-8").splitlines()
        diff = [
            line
            for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        assert diff and all(line.startswith("+") for line in diff), path.name
    assert all(
        entry.shopper_questions == {"sv": (f"fråga om {entry.id}",)}
        for entry in load_faq(faq_dir).entries
    )


def test_an_unknown_entry_writes_nothing(faq_dir: Path) -> None:
    with pytest.raises(FaqWriteError) as caught:
        add_shopper_questions(
            faq_dir, {"return_period": {"fi": ["uusi"]}, "gone_entry": {"en": ["old"]}}
        )
    assert caught.value.problems == [f"{faq_dir}: no entry with id 'gone_entry'"]
    assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == FILE


def test_a_layout_that_would_change_is_refused(faq_dir: Path) -> None:
    odd = FILE.replace("      en:\n        - ", "      en:\n         - ")  # 3-space items
    (faq_dir / "returns.yml").write_text(odd, encoding="utf-8")
    with pytest.raises(FaqWriteError) as caught:
        add_shopper_questions(faq_dir, {"return_period": {"fi": ["uusi"]}})
    assert len(caught.value.problems) == 1
    assert "indentation would change" in caught.value.problems[0]
    assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == odd


def test_a_result_that_does_not_load_writes_nothing(faq_dir: Path) -> None:
    with pytest.raises(FaqWriteError) as caught:
        add_shopper_questions(faq_dir, {"return_period": {"de": ["wie lange"]}})
    assert any("returns.yml" in problem for problem in caught.value.problems)
    assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == FILE


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.text(min_size=1, max_size=80).map(str.strip).filter(bool))
@example(question='"quoted" # not a comment: really')
@example(question="two\nlines \\ and a tab\t!")
@example(question="- [not, a, list]")
@example(question="\ud800 lone surrogate")
def test_any_question_reads_back_as_written(faq_dir: Path, question: str) -> None:
    # quotes, "#", ": ", backslashes, newlines and odd Unicode: YAML escapes what it must
    (faq_dir / "returns.yml").write_text(FILE, encoding="utf-8")
    try:
        add_shopper_questions(faq_dir, {"return_period": {"en": [question]}})
    except FaqWriteError as exc:  # only what the FAQ itself refuses (e.g. a lone surrogate)
        assert all("returns.yml" in problem for problem in exc.problems)
        assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == FILE
        return
    entry = load_faq(faq_dir).get("return_period")
    assert entry is not None and entry.shopper_questions == {"en": (question.strip(),)}


def test_a_broken_file_is_named_and_nothing_is_written(faq_dir: Path) -> None:
    (faq_dir / "broken.yml").write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(FaqWriteError) as caught:
        add_shopper_questions(faq_dir, {"return_period": {"fi": ["uusi"]}})
    assert caught.value.problems[0].startswith(f"{faq_dir / 'broken.yml'}: not valid YAML")
    assert (faq_dir / "returns.yml").read_text(encoding="utf-8") == FILE
