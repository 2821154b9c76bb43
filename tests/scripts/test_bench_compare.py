"""scripts/bench_compare.py: its levels, the trees it accepts, and the alternating order."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from scripts.bench_compare import WARM_UP, Tree, code_tree, schedule, shopper_levels
from tests.conftest import ROOT


def test_shopper_levels_parse_and_reject_clearly() -> None:
    assert shopper_levels("1,10, 20,") == [1, 10, 20]
    with pytest.raises(argparse.ArgumentTypeError, match="whole numbers"):
        shopper_levels("1,ten")
    with pytest.raises(argparse.ArgumentTypeError, match="each 1 or more"):
        shopper_levels("0,10")


def test_rounds_alternate_the_order_of_the_trees() -> None:
    old, new = Tree("old", Path("/a")), Tree("new", Path("/b"))
    order = [(number, tree.label) for number, tree in schedule([old, new], 3)]
    assert order == [(1, "old"), (1, "new"), (2, "new"), (2, "old"), (3, "old"), (3, "new")]


def test_a_tree_without_a_trained_model_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "stack.py").write_text("")
    with pytest.raises(argparse.ArgumentTypeError) as error:
        code_tree(str(tmp_path))
    message = str(error.value)
    assert ".venv/bin/python" in message
    assert ".venv-rasa/bin/python" in message
    assert "models/current" in message
    assert "scripts/stack.py" not in message

    for venv in (".venv", ".venv-rasa"):
        (tmp_path / venv / "bin").mkdir(parents=True)
        (tmp_path / venv / "bin" / "python").write_text("")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "current").write_text("models/faqbot-x.tar.gz\n")
    with pytest.raises(argparse.ArgumentTypeError, match=r"faqbot-x\.tar\.gz"):
        code_tree(str(tmp_path))
    (tmp_path / "models" / "faqbot-x.tar.gz").write_text("")
    assert code_tree(str(tmp_path)) == tmp_path.resolve()


def test_the_warm_up_questions_are_not_among_the_measured_ones() -> None:
    cases = yaml.safe_load((ROOT / "tests/data/eval_cases.yml").read_text(encoding="utf-8"))
    measured = {case["text"].casefold() for case in cases["cases"]}
    warm_up = {text.casefold() for texts in WARM_UP.values() for text in texts}
    assert len(warm_up) == 9
    assert not warm_up & measured
