"""Running cases through a (fake) bot and the figures of the summary."""

from __future__ import annotations

import threading

import pytest

from bot.cases import LabelledCase
from bot.e2e.client import BotMessage
from bot.e2e.evaluation import (
    CaseResult,
    format_table,
    run_cases,
    summarise_faq,
    summarise_stock,
)
from bot.e2e.replies import Classified, Outcome
from bot.errors import BotUnreachable


def result(
    lang: str,
    expect: tuple[str, ...],
    outcome: Outcome,
    offered: tuple[str, ...] = (),
    response: str | None = None,
) -> CaseResult:
    return CaseResult("q", lang, expect, outcome, offered, response, ("reply",))


FAQ_RESULTS = [
    result("fi", ("a",), "answered", ("a",)),
    result("fi", ("a", "b"), "clarified", ("c", "b")),
    result("fi", ("a",), "answered", ("b",)),
    result("fi", ("a",), "other", response="utter_goodbye"),
    result("fi", (), "answered", ("a",)),  # must not answer, answered
    result("fi", (), "other", response="utter_out_of_scope"),
    result("en", ("a",), "clarified", ("b", "c")),
    result("en", ("a",), "other", response="utter_bot_challenge"),
    result("en", ("a",), "other"),
    result("en", (), "clarified", ("a", "b")),
]


def test_faq_summary_figures_per_language_and_all() -> None:
    summary = summarise_faq(FAQ_RESULTS)
    assert list(summary) == ["fi", "en", "all"]
    fi, en, everything = summary["fi"], summary["en"], summary["all"]
    assert (fi["cases"], fi["answerable"], fi["must_not_answer"]) == (6, 4, 2)
    assert fi["answered_right"] == 0.25 and fi["clarified_right"] == 0.25
    assert fi["right_or_buttons"] == 0.5 and fi["answered_wrong"] == 0.25
    assert fi["other"] == 0.25 and fi["clarified_wrong"] == 0.0
    assert fi["must_not_answer_answered"] == 0.5 and fi["must_not_answer_clarified"] == 0.0
    assert fi["other_responses"] == {"utter_goodbye": 1}
    assert fi["must_not_answer_responses"] == {"utter_out_of_scope": 1}
    assert en["clarified_wrong"] == round(1 / 3, 4) and en["other"] == round(2 / 3, 4)
    assert en["other_responses"] == {"unrecognised": 1, "utter_bot_challenge": 1}
    assert en["must_not_answer_answered"] == 0.0 and en["must_not_answer_clarified"] == 1.0
    assert everything["cases"] == 10 and everything["answered_right"] == round(1 / 7, 4)
    assert everything["other_responses"] == {
        "unrecognised": 1,
        "utter_bot_challenge": 1,
        "utter_goodbye": 1,
    }


def test_the_outcomes_of_answerable_cases_add_up_to_one() -> None:
    for figures in summarise_faq(FAQ_RESULTS).values():
        parts = ("answered_right", "clarified_right", "answered_wrong", "clarified_wrong", "other")
        assert sum(figures[p] for p in parts) == pytest.approx(1.0, abs=1e-3)


def test_stock_summary_counts_products_and_faq_answers() -> None:
    summary = summarise_stock(
        [
            result("sv", ("kuru_20",), "answered", ("kuru_20",)),
            result("sv", ("kuru_20", "vaellus_45"), "clarified", ("vaellus_45", "erä_2")),
            result("sv", ("kuru_20",), "answered", ("vaellus_45",)),
            result("sv", ("kuru_20",), "other", response="faq:stock_availability"),
            result("sv", (), "other", response="utter_stock_no_product"),
            result("sv", (), "answered", ("kuru_20",)),
        ]
    )["sv"]
    assert (summary["with_product"], summary["without_product"]) == (4, 2)
    assert summary["right"] == 0.5 and summary["answered_right"] == 0.25
    assert summary["buttons_right"] == 0.25 and summary["answered_wrong"] == 0.25
    assert summary["other"] == 0.25
    assert summary["no_product_said"] == 0.5 and summary["no_product_but_named"] == 0.5
    assert summary["other_responses"] == {"faq_answer": 1}
    assert summary["without_product_responses"] == {"utter_stock_no_product": 1}


def test_the_table_has_a_column_per_language_and_a_row_per_response() -> None:
    table = format_table(summarise_faq(FAQ_RESULTS))
    header, *rows = table.splitlines()
    assert header.split() == ["fi", "en", "all"]
    assert next(r for r in rows if r.startswith("answered_right ")).split()[1:] == [
        "0.250",
        "0.000",
        "0.143",
    ]
    assert next(r for r in rows if r.strip().startswith("utter_goodbye")).split()[1:] == [
        "1",
        "0",
        "1",
    ]
    assert "other_responses (count)" in rows and "must_not_answer_responses (count)" in rows


class FakeBot:
    """Answers every message with its own text (or, ``down``, none); remembers who sent what."""

    def __init__(self, down: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.down = down
        self.lock = threading.Lock()

    def send(self, sender: str, text: str) -> list[BotMessage]:
        with self.lock:
            self.sent.append((sender, text))
        if self.down:
            raise BotUnreachable("cannot reach the bot at http://x: Connection refused")
        return [BotMessage(f"echo {text}"), BotMessage("")]


def case(text: str, expect: str = "a") -> LabelledCase:
    return LabelledCase(text=text, lang="fi", expect=expect)  # type: ignore[arg-type]


def test_each_case_is_a_new_conversation_and_results_keep_the_case_order() -> None:
    bot = FakeBot()
    cases = [case(f"question {n}") for n in range(20)]
    results = run_cases(bot, cases, lambda messages: Classified("other"), workers=4)
    assert [r.text for r in results] == [c.text for c in cases]
    assert len({sender for sender, _ in bot.sent}) == 20
    assert results[3].replies == ("echo question 3",)  # empty texts left out
    assert results[3].as_json() == {
        "text": "question 3",
        "lang": "fi",
        "expect": ["a"],
        "outcome": "other",
        "offered": [],
        "response": None,
        "replies": ["echo question 3"],
    }


def test_an_unreachable_bot_stops_the_run() -> None:
    # a bot that is down fails every send, so each of the 4 workers sends once at most: a worker
    # takes its next case only after its own failure stopped the run. (A bot failing only on
    # question 0 made this racy: while that failure was on its way, the other workers' instant
    # answers let them start more cases; seen once under load, 7 sends.)
    bot = FakeBot(down=True)
    with pytest.raises(BotUnreachable, match="Connection refused"):
        run_cases(bot, [case(f"question {n}") for n in range(50)], lambda m: Classified("other"))
    assert len(bot.sent) <= 4  # at most the first case of each worker
