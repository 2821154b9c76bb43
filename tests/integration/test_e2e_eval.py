"""``faqbot eval e2e`` against the real stack: Rasa's intents first, then the FAQ or the shop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from faqbot import main
from scripts.stack import Stack
from tests.conftest import ROOT
from tests.integration.bot_stack import bot_stack

pytestmark = pytest.mark.integration

FAQ_CASES = """\
cases:
  - {text: "paljonko toimitus maksaa?", lang: fi, expect: delivery_cost}
  - {text: "how long does delivery take to Finland?", lang: en, expect: delivery_time}
  - {text: "tell me a joke about penguins", lang: en, expect: none}
"""

STOCK_CASES = """\
cases:
  - {text: "is the Kiilo 400 headlamp in stock?", lang: en, expect: kiilo_400}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Rasa + action server on free ports with fresh trackers and tickets."""
    with bot_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def evaluate(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str], cases: str, *extra: str
) -> dict[str, object]:
    path = tmp_path / "cases.yml"
    path.write_text(cases, encoding="utf-8")
    args = ["eval", "e2e", "--url", stack.rasa_url, "--json", str(path), *extra]
    assert main([*args, "--domain", str(ROOT / "domain.yml")]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_faq_questions_through_the_whole_bot(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = evaluate(stack, tmp_path, capsys, FAQ_CASES)
    fi, en, joke = report["cases"]  # type: ignore[misc]
    assert (fi["outcome"], fi["offered"]) == ("answered", ["delivery_cost"]), fi
    assert (en["outcome"], en["offered"]) == ("answered", ["delivery_time"]), en
    assert joke["outcome"] == "other" and joke["response"] is not None, joke
    for case in (fi, en, joke):
        assert set(case) == {"text", "lang", "expect", "outcome", "offered", "response", "replies"}
        assert case["replies"] and all(isinstance(t, str) for t in case["replies"])
    summary = report["summary"]
    assert list(summary) == ["fi", "en", "all"]  # type: ignore[call-overload]
    assert summary["all"]["answered_right"] == 1.0  # type: ignore[index]
    assert summary["all"]["must_not_answer_answered"] == 0.0  # type: ignore[index]
    assert sum(summary["en"]["must_not_answer_responses"].values()) == 1  # type: ignore[index]


def test_a_stock_question_through_the_whole_bot(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = evaluate(stack, tmp_path, capsys, STOCK_CASES, "--stock")
    (case,) = report["cases"]  # type: ignore[misc]
    assert case["outcome"] in ("answered", "clarified") and "kiilo_400" in case["offered"], case
    assert report["summary"]["en"]["right"] == 1.0  # type: ignore[index]
