"""``faqbot faq eval``: run labelled shopper questions and report per-language accuracy.

Each case runs as the first message of a new conversation: the language is detected from the
text alone (the case's ``lang`` is only the truth to score against) and the configured
thresholds decide answer / clarify / fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.cases import LabelledCase, per_language
from bot.errors import EvalCasesError
from bot.faq.service import FaqService
from bot.yamlfile import read_yaml, validate


class CaseModel(LabelledCase):
    """One labelled FAQ question; ``expect`` holds FAQ entry ids."""


class CasesFileModel(BaseModel):
    """A whole CASES.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[CaseModel]


def load_cases(path: Path, known_ids: set[str]) -> list[CaseModel]:
    """Load labelled cases and check that every expected id exists in the FAQ.

    Raises:
        EvalCasesError: listing every problem with ``file:line:col``.
    """
    doc = read_yaml(path)
    model = validate(doc, CasesFileModel)
    problems = list(doc.problems)
    if model is not None:
        for number, case in enumerate(model.cases):
            for expected in case.expect:
                if expected not in known_ids:
                    problems.append(
                        f"{doc.where(('cases', number, 'expect'))}: cases[{number}].expect: "
                        f"unknown FAQ id {expected!r}; use an id from data/faq or 'none'"
                    )
    if problems or model is None:
        raise EvalCasesError("\n".join(problems))
    return model.cases


@dataclass(frozen=True)
class CaseResult:
    """What the bot did with one case."""

    text: str
    lang: str
    expect: tuple[str, ...]
    detected_lang: str
    decision: str
    offered: tuple[str, ...]
    matches: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape of a case (see README)."""
        return {
            "text": self.text,
            "lang": self.lang,
            "expect": list(self.expect),
            "detected_lang": self.detected_lang,
            "decision": self.decision,
            "offered": list(self.offered),
            "matches": self.matches,
        }


def run_cases(service: FaqService, cases: list[CaseModel], top: int = 5) -> list[CaseResult]:
    """Run every case as the first message of a fresh conversation."""
    results = []
    for case in cases:
        reply = service.ask(case.text, current_language=None)
        results.append(
            CaseResult(
                text=case.text,
                lang=case.lang,
                expect=case.expect,
                detected_lang=reply.language,
                decision=reply.decision.kind,
                offered=reply.decision.offered,
                matches=[{"id": m.id, "score": round(m.score, 4)} for m in reply.matches[:top]],
            )
        )
    return results


def summarise(results: list[CaseResult]) -> dict[str, dict[str, float | int]]:
    """Per-language (and ``all``) figures; rates are fractions of the relevant cases."""
    return per_language(results, lambda result: result.lang, _figures)


def _figures(results: list[CaseResult]) -> dict[str, float | int]:
    answerable = [r for r in results if r.expect]
    unanswerable = [r for r in results if not r.expect]

    def rate(items: list[CaseResult], hit: Any) -> float:
        return round(sum(1 for r in items if hit(r)) / len(items), 4) if items else 0.0

    def ids(r: CaseResult) -> list[str]:
        return [m["id"] for m in r.matches]

    return {
        "cases": len(results),
        "answerable": len(answerable),
        "must_not_answer": len(unanswerable),
        "language_accuracy": rate(results, lambda r: r.detected_lang == r.lang),
        "top1": rate(answerable, lambda r: ids(r)[:1] and ids(r)[0] in r.expect),
        "top3": rate(answerable, lambda r: any(i in r.expect for i in ids(r)[:3])),
        "answered_correct": rate(
            answerable, lambda r: r.decision == "answer" and r.offered[0] in r.expect
        ),
        "answered_wrong": rate(
            answerable, lambda r: r.decision == "answer" and r.offered[0] not in r.expect
        ),
        "clarified": rate(answerable, lambda r: r.decision == "clarify"),
        "clarified_with_right_option": rate(
            answerable, lambda r: r.decision == "clarify" and any(i in r.expect for i in r.offered)
        ),
        "fallback": rate(answerable, lambda r: r.decision == "fallback"),
        "must_not_answer_answered": rate(unanswerable, lambda r: r.decision == "answer"),
        "must_not_answer_clarified": rate(unanswerable, lambda r: r.decision == "clarify"),
    }


def format_table(summary: dict[str, dict[str, float | int]]) -> str:
    """A plain-text table of :func:`summarise`'s figures, one column per language."""
    langs = list(summary)
    keys = list(next(iter(summary.values())))
    width = max(len(k) for k in keys) + 2
    lines = ["".ljust(width) + "".join(lang.rjust(9) for lang in langs)]
    for key in keys:
        cells = []
        for lang in langs:
            value = summary[lang][key]
            cells.append(f"{value:9.3f}" if isinstance(value, float) else f"{value:9d}")
        lines.append(key.ljust(width) + "".join(cells))
    return "\n".join(lines)
