"""Run labelled cases through a running bot and sum up what shoppers would have got.

Each case is the first message of a new conversation (a fresh sender id), sent a few at a time;
the reply is classified by :mod:`bot.e2e.replies`. Rates are fractions of the relevant cases
(answerable, must-not-answer, with or without a product); the ``*_responses`` figures count the
recognised responses of the ``other`` replies (``unrecognised`` when none was).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from bot.cases import LabelledCase, per_language
from bot.e2e.client import BotMessage
from bot.e2e.replies import FAQ_PREFIX, Classified, Outcome

UNRECOGNISED = "unrecognised"
FAQ_ANSWER = "faq_answer"  # how stock questions answered from the FAQ are counted

Figures = dict[str, Any]  # name -> int, float (a rate) or dict[str, int] (response counts)


class Client(Protocol):
    """Sends one shopper message, returns the reply (:class:`bot.e2e.client.RestClient`)."""

    def send(self, sender: str, text: str) -> list[BotMessage]:
        """The bot's messages in reply to ``text`` from ``sender``."""
        ...


@dataclass(frozen=True)
class CaseResult:
    """What the running bot did with one case."""

    text: str
    lang: str
    expect: tuple[str, ...]
    outcome: Outcome
    offered: tuple[str, ...]
    response: str | None
    replies: tuple[str, ...]

    @property
    def right(self) -> bool:
        """Answered or clarified with an expected id among the offered ones."""
        return any(i in self.expect for i in self.offered)

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of one case."""
        return {
            "text": self.text,
            "lang": self.lang,
            "expect": list(self.expect),
            "outcome": self.outcome,
            "offered": list(self.offered),
            "response": self.response,
            "replies": list(self.replies),
        }


def run_cases(
    client: Client,
    cases: Sequence[LabelledCase],
    classify: Callable[[list[BotMessage]], Classified],
    workers: int = 4,
) -> list[CaseResult]:
    """Send every case in a conversation of its own, ``workers`` at a time; results in order.

    Raises:
        BotUnreachable: at the first case the bot does not answer (the rest are not sent).
    """

    failed = threading.Event()

    def run(case: LabelledCase) -> CaseResult | None:
        if failed.is_set():  # another case could not be sent: send no more
            return None
        try:
            messages = client.send(f"e2e-eval-{uuid.uuid4().hex}", case.text)
        except BaseException:
            failed.set()
            raise
        classified = classify(messages)
        return CaseResult(
            text=case.text,
            lang=case.lang,
            expect=case.expect,
            outcome=classified.outcome,
            offered=classified.offered,
            response=classified.response,
            replies=tuple(m.text for m in messages if m.text),
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run, case) for case in cases]
    results = [future.result() for future in futures]  # raises the first failure
    return [r for r in results if r is not None]


def summarise_faq(results: list[CaseResult]) -> dict[str, Figures]:
    """Per-language (and ``all``) figures of FAQ cases."""
    return per_language(results, lambda r: r.lang, _faq_figures)


def summarise_stock(results: list[CaseResult]) -> dict[str, Figures]:
    """Per-language (and ``all``) figures of stock cases."""
    return per_language(results, lambda r: r.lang, _stock_figures)


def _rate(items: list[CaseResult], hit: Callable[[CaseResult], bool]) -> float:
    return round(sum(1 for r in items if hit(r)) / len(items), 4) if items else 0.0


def _responses(items: list[CaseResult]) -> dict[str, int]:
    """How often each response answered the ``other`` cases among ``items``, most first."""
    counts = Counter(_response_key(r.response) for r in items if r.outcome == "other")
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _response_key(response: str | None) -> str:
    if response is None:
        return UNRECOGNISED
    return FAQ_ANSWER if response.startswith(FAQ_PREFIX) else response


def _answered_right(r: CaseResult) -> bool:
    return r.outcome == "answered" and r.right


def _clarified_right(r: CaseResult) -> bool:
    return r.outcome == "clarified" and r.right


def _faq_figures(results: list[CaseResult]) -> Figures:
    answerable = [r for r in results if r.expect]
    unanswerable = [r for r in results if not r.expect]
    return {
        "cases": len(results),
        "answerable": len(answerable),
        "must_not_answer": len(unanswerable),
        "answered_right": _rate(answerable, _answered_right),
        "clarified_right": _rate(answerable, _clarified_right),
        "right_or_buttons": _rate(answerable, lambda r: r.outcome != "other" and r.right),
        "answered_wrong": _rate(answerable, lambda r: r.outcome == "answered" and not r.right),
        "clarified_wrong": _rate(answerable, lambda r: r.outcome == "clarified" and not r.right),
        "other": _rate(answerable, lambda r: r.outcome == "other"),
        "must_not_answer_answered": _rate(unanswerable, lambda r: r.outcome == "answered"),
        "must_not_answer_clarified": _rate(unanswerable, lambda r: r.outcome == "clarified"),
        "other_responses": _responses(answerable),
        "must_not_answer_responses": _responses(unanswerable),
    }


def _stock_figures(results: list[CaseResult]) -> Figures:
    with_product = [r for r in results if r.expect]
    without = [r for r in results if not r.expect]
    return {
        "cases": len(results),
        "with_product": len(with_product),
        "without_product": len(without),
        "right": _rate(with_product, lambda r: r.outcome != "other" and r.right),
        "answered_right": _rate(with_product, _answered_right),
        "buttons_right": _rate(with_product, _clarified_right),
        "answered_wrong": _rate(with_product, lambda r: r.outcome == "answered" and not r.right),
        "buttons_wrong": _rate(with_product, lambda r: r.outcome == "clarified" and not r.right),
        "other": _rate(with_product, lambda r: r.outcome == "other"),
        "no_product_said": _rate(without, lambda r: r.response == "utter_stock_no_product"),
        "no_product_but_named": _rate(without, lambda r: r.outcome != "other"),
        "other_responses": _responses(with_product),
        "without_product_responses": _responses(without),
    }


def format_table(summary: dict[str, Figures]) -> str:
    """A plain-text table of a summary, one column per language; response counts last."""
    langs = list(summary)
    first = next(iter(summary.values()))
    scalars = [key for key, value in first.items() if not isinstance(value, dict)]
    counted = {key: _names(summary, key) for key, value in first.items() if isinstance(value, dict)}
    labels = scalars + [f"  {name}" for names in counted.values() for name in names]
    width = max(len(label) for label in labels) + 2
    lines = ["".ljust(width) + "".join(lang.rjust(9) for lang in langs)]
    for key in scalars:
        lines.append(key.ljust(width) + "".join(_cell(summary[lang][key]) for lang in langs))
    for key, names in counted.items():
        lines.append(f"{key} (count)" + ("" if names else ": none"))
        for name in names:
            cells = "".join(_cell(summary[lang][key].get(name, 0)) for lang in langs)
            lines.append(f"  {name}".ljust(width) + cells)
    return "\n".join(lines)


def _names(summary: dict[str, Figures], key: str) -> list[str]:
    """The response names counted under ``key`` in any column, most frequent first."""
    totals: Counter[str] = Counter()
    for figures in summary.values():
        totals.update(figures[key])
    return sorted(totals, key=lambda name: (-totals[name], name))


def _cell(value: float | int) -> str:
    return f"{value:9.3f}" if isinstance(value, float) else f"{value:9d}"
