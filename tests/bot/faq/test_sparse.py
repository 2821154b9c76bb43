from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import FaqValidationError
from bot.faq.loader import load_faq
from bot.faq.sparse import write_sparse_faq
from tests.conftest import write


def test_keeps_the_first_phrasings_per_language_and_everything_else(
    faq_dir: Path, tmp_path: Path
) -> None:
    write(
        faq_dir / "more.yml",
        """\
        entries:
          - id: many
            questions:
              en: ["first", "second", "third", "fourth"]
              fi: ["yksi"]
            answer: {en: "Many.", fi: "Monta."}
            handoff: true
        """,
    )
    out = tmp_path / "sparse"
    kept = write_sparse_faq(faq_dir, out, phrasings=2)
    original, sparse = load_faq(faq_dir), load_faq(out)
    assert [e.id for e in sparse.entries] == [e.id for e in original.entries]
    many = sparse.get("many")
    assert many is not None
    assert many.questions == {"en": ("first", "second"), "fi": ("yksi",)}
    assert many.answer == {"en": "Many.", "fi": "Monta."} and many.handoff and many.topic == "more"
    before, after = original.get("delivery_time"), sparse.get("delivery_time")
    assert before is not None and after is not None
    assert (after.questions, after.answer) == (before.questions, before.answer)  # had <= 2
    assert kept == sum(len(q) for e in sparse.entries for q in e.questions.values())


def test_refuses_to_write_over_a_faq(faq_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(FaqValidationError, match="already holds FAQ files"):
        write_sparse_faq(faq_dir, faq_dir)


def test_an_invalid_faq_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    write(broken / "x.yml", "entries:\n  - id: Bad Id\n")
    with pytest.raises(FaqValidationError):
        write_sparse_faq(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()
