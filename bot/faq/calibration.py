"""``faqbot faq calibrate``: choose the answer / clarify thresholds from the FAQ alone.

e5 similarities sit in a narrow band, so fixed cosine thresholds do not transfer between models
or FAQs. Positives are the FAQ's own questions, each scored with itself left out of the index
(leave-one-question-out); negatives are off-topic messages (``data/calibration/offtopic.yml``).
The labelled evaluation set is never used here, so ``faqbot faq eval`` stays a held-out check.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot import language
from bot.errors import ConfigError
from bot.faq.index import FaqIndex, Match
from bot.faq.policy import confirmed
from bot.faq.settings import PolicySettings
from bot.language import Language
from bot.yamlfile import read_yaml, validate

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class OfftopicFileModel(BaseModel):
    """``messages: {fi: [...], sv: [...], en: [...]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: dict[Language, Annotated[list[Text], Field(min_length=1)]]


def load_offtopic(path: Path) -> list[str]:
    """All off-topic messages of ``path``.

    Raises:
        ConfigError: listing every problem with ``file:line:col``.
    """
    doc = read_yaml(path)
    model = validate(doc, OfftopicFileModel)
    if model is None or doc.problems:  # duplicate keys too
        raise ConfigError("\n".join(doc.problems))
    return [text for texts in model.messages.values() for text in texts]


@dataclass(frozen=True)
class Scored:
    """Top score and margin of one calibration question."""

    top: float
    margin: float
    correct: bool
    expected: str | None = None  # the entry the question belongs to (None: off-topic)
    found: str = ""  # the entry ranked first
    coverage: float = 1.0  # the first entry's word coverage of the question
    lexical: float = 1.0  # the first entry's BM25 over the best entry's (Match.lexical)
    runner_up_lexical: float = 1.0  # the runner-up's (1.0: the words confirm nothing)


@dataclass(frozen=True)
class Calibration:
    """Chosen thresholds and the figures behind them."""

    policy: PolicySettings
    positives: list[Scored]
    negatives: list[Scored]

    def rates(self, policy: PolicySettings) -> dict[str, float]:
        """What ``policy`` does on the calibration questions."""
        return _rates(self.positives, self.negatives, policy)

    def confused(self, at_least: int = 2) -> list[tuple[str, str, int]]:
        """``(entry, taken for, times)``: FAQ questions ranked under another entry, most first."""
        pairs = Counter(
            (s.expected, s.found) for s in self.positives if not s.correct and s.expected
        )
        return [(a, b, n) for (a, b), n in pairs.most_common() if n >= at_least and a]

    def report(self) -> str:
        """Human-readable summary."""
        p = self.policy
        r = self.rates(p)
        return (
            f"calibrated on {len(self.positives)} FAQ questions (leave-one-out) and "
            f"{len(self.negatives)} off-topic messages\n"
            f"  answer_threshold: {p.answer_threshold}\n  answer_margin: {p.answer_margin}\n"
            f"  clarify_threshold: {p.clarify_threshold}\n"
            f"FAQ questions: answered correctly {r['answered_correct']:.1%}, answered wrongly "
            f"{r['answered_wrong']:.1%}, clarified {r['clarified']:.1%}, fell back "
            f"{r['fallback']:.1%}\n"
            f"off-topic: answered {r['offtopic_answered']:.1%}, clarified "
            f"{r['offtopic_clarified']:.1%}"
        )


def _score(matches: list[Match], expected: str | None) -> Scored:
    margin = matches[0].score - matches[1].score if len(matches) > 1 else 1.0
    correct = expected is not None and matches[0].id == expected
    top = matches[0]
    second = matches[1].lexical if len(matches) > 1 else 0.0
    return Scored(top.score, margin, correct, expected, top.id, top.coverage, top.lexical, second)


def _rates(
    positives: list[Scored], negatives: list[Scored], policy: PolicySettings
) -> dict[str, float]:
    def answered(s: Scored) -> bool:
        return (
            s.top >= policy.answer_threshold
            and s.margin >= policy.answer_margin
            and s.coverage >= policy.min_coverage
        ) or confirmed(s.top, s.margin, s.lexical, s.coverage, s.runner_up_lexical, policy)

    def clarified(s: Scored) -> bool:
        return not answered(s) and s.top >= policy.clarify_threshold

    n_pos, n_neg = max(len(positives), 1), max(len(negatives), 1)
    return {
        "answered_correct": sum(answered(s) and s.correct for s in positives) / n_pos,
        "answered_wrong": sum(answered(s) and not s.correct for s in positives) / n_pos,
        "clarified": sum(clarified(s) for s in positives) / n_pos,
        "fallback": sum(not answered(s) and not clarified(s) for s in positives) / n_pos,
        "offtopic_answered": sum(answered(s) for s in negatives) / n_neg,
        "offtopic_clarified": sum(clarified(s) for s in negatives) / n_neg,
    }


@dataclass(frozen=True)
class _Scores:
    top: np.ndarray
    margin: np.ndarray
    correct: np.ndarray
    coverage: np.ndarray
    lexical: np.ndarray
    runner_up_lexical: np.ndarray


def _arrays(scored: list[Scored]) -> _Scores:
    return _Scores(
        np.array([s.top for s in scored], dtype=np.float64),
        np.array([s.margin for s in scored], dtype=np.float64),
        np.array([s.correct for s in scored], dtype=bool),
        np.array([s.coverage for s in scored], dtype=np.float64),
        np.array([s.lexical for s in scored], dtype=np.float64),
        np.array([s.runner_up_lexical for s in scored], dtype=np.float64),
    )


def _answered(
    scores: _Scores,
    thresholds: np.ndarray,
    margin: float,
    policy: PolicySettings,
    clarify: float,
) -> np.ndarray:
    """(thresholds, questions): whether each answer threshold answers each question, directly
    or confirmed by its words (:func:`bot.faq.policy.confirmed`) with ``clarify`` as the clarify
    threshold (at most the answer threshold)."""
    passes = (scores.margin >= margin) & (scores.coverage >= policy.min_coverage)
    answered = (scores.top[None, :] >= thresholds[:, None]) & passes[None, :]
    if policy.confirmed_floor >= 1.0:
        return answered
    words = (
        (scores.margin >= margin)
        & (scores.lexical >= 1.0 - 1e-6)
        & (scores.runner_up_lexical <= policy.confirmed_runner_up)
        & (scores.coverage >= policy.confirmed_coverage)
    )
    low = np.minimum(clarify, thresholds)
    floors = low + policy.confirmed_floor * (thresholds - low)
    return answered | ((scores.top[None, :] >= floors[:, None]) & words[None, :])


@dataclass(frozen=True)
class Budgets:
    """How much the derived thresholds may get wrong, as shares.

    Attributes:
        offtopic_answered: share of off-topic messages that may be answered.
        offtopic_reached: share of off-topic messages that may be answered or clarified. 0.3
            (it was 0.2): on the second, fresher dev set the sparse FAQ's right entry is then
            answered or among the buttons for .956 / .933 / .933 of fi / sv / en questions
            instead of .911 / .911 / .867, the first dev set gains 1–4 points, the dense FAQ
            none is lost, and nothing more is answered; must-not-answer questions get buttons
            (which always carry "none of these", offering a person) more often, not answers
            (docs/quality.md, "What was tried").
        errors_answered: share of the FAQ questions ranked under a wrong entry that may be
            answered anyway. A share of the ranking's own errors, not of all questions: with
            itself left out, a question of a FAQ with one or two phrasings per language keeps
            at most one sibling, so the ranking errs far more often than on shoppers' questions
            (docs/quality.md, "What was tried"); an absolute budget would then refuse to answer
            almost anything. The policy's job is to catch the ranking's errors, whatever their
            number. 0.35 (with confirmed answers, :func:`bot.faq.policy.confirmed`, counted
            against it) answered more on the dev set's sparse FAQ, but on the held-out set it
            answered 2 of 30 must-not-answer questions in Swedish and English (docs/quality.md).
    """

    offtopic_answered: float = 0.02
    offtopic_reached: float = 0.3
    errors_answered: float = 0.3


def calibrate(
    index: FaqIndex,
    offtopic: list[str],
    current: PolicySettings,
    budgets: Budgets = Budgets(),
) -> Calibration:
    """Pick thresholds that answer as many FAQ questions as possible within ``budgets``.

    Args:
        index: the FAQ index (with the model that will serve).
        offtopic: messages that must not be answered.
        current: the current policy (clarify window and size are kept).
        budgets: the error budgets.
    """
    positives = [
        _score(
            index.search_vector(
                index.row_vector(row),
                leave_out=row,
                text=index.rows[row].text,
                lang=index.rows[row].lang,
            ),
            index.faq.entries[index.rows[row].entry].id,
        )
        for row in index.question_rows()
    ]
    questions = [(text, language.detect(text).lang) for text in offtopic]
    negatives = [_score(matches, None) for matches in index.search_many(questions)]
    if not positives:
        raise ConfigError("the FAQ has no questions to calibrate on")
    policy = choose_thresholds(positives, negatives, current, budgets)
    return Calibration(policy, positives, negatives)


def choose_thresholds(
    positives: list[Scored],
    negatives: list[Scored],
    current: PolicySettings,
    budgets: Budgets = Budgets(),
) -> PolicySettings:
    """The thresholds :func:`calibrate` picks for already scored questions (same budgets).

    Raises:
        ConfigError: when no thresholds meet the budgets.
    """
    pos = _arrays(positives)
    neg = _arrays(negatives)
    errors = int((~pos.correct).sum())
    # Answers and buttons reach the off-topic messages scoring at least the clarify threshold
    # (an answer needs at least that score too), so it is the lowest one within the budget,
    # capped at the answer threshold; the confirmed answers' floor is read from it.
    clarify = _clarify_threshold(neg.top, budgets.offtopic_reached)
    # Wide grids: zero-shot e5 scores sit near 0.9, a fine-tuned model's spread down to ~0.4.
    thresholds = np.round(np.arange(0.30, 0.98, 0.0025), 4)
    best: tuple[float, PolicySettings] | None = None
    for margin in (0.0, 0.005, 0.01, 0.015, 0.02, 0.03):
        answered_pos = _answered(pos, thresholds, margin, current, clarify)
        correct = (answered_pos & pos.correct).mean(axis=1)
        errors_answered = (answered_pos & ~pos.correct).sum(axis=1)
        answered_neg = _answered(neg, thresholds, margin, current, clarify)
        off = answered_neg.mean(axis=1) if negatives else np.zeros_like(correct)
        allowed = (off <= budgets.offtopic_answered) & (
            errors_answered <= budgets.errors_answered * errors
        )
        for number in np.flatnonzero(allowed):  # ascending thresholds: the first best one wins
            if best is None or correct[number] > best[0]:
                update = {"answer_threshold": float(thresholds[number]), "answer_margin": margin}
                best = (float(correct[number]), current.model_copy(update=update))
    if best is None:
        raise ConfigError("no thresholds meet the error budgets; add questions to the FAQ")
    policy = best[1]
    return policy.model_copy(update={"clarify_threshold": min(clarify, policy.answer_threshold)})


def _clarify_threshold(offtopic_tops: np.ndarray, reached: float) -> float:
    """The lowest clarify threshold (0.20 up in steps of 0.0025) that reaches at most
    ``reached`` of the off-topic messages (1.0 when none does)."""
    for threshold in np.arange(0.20, 1.0 + 1e-9, 0.0025):
        candidate = round(float(threshold), 4)
        share = float((offtopic_tops >= candidate).mean()) if len(offtopic_tops) else 0.0
        if share <= reached:
            return candidate
    return 1.0


def write_thresholds(path: Path, policy: PolicySettings) -> None:
    """Replace the threshold values in ``faqbot.yml``, keeping its comments and layout."""
    text = path.read_text(encoding="utf-8") if path.exists() else "policy:\n"
    for key in ("answer_threshold", "answer_margin", "clarify_threshold"):
        value = getattr(policy, key)
        pattern = re.compile(rf"^(\s+{key}:\s*)[0-9.]+", re.MULTILINE)
        if pattern.search(text):
            text = pattern.sub(rf"\g<1>{value}", text)
        else:
            text = text.replace("policy:\n", f"policy:\n  {key}: {value}\n", 1)
    path.write_text(text, encoding="utf-8")
