"""The decision policy: answer, ask the shopper to pick (clarify), or fall back to a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.faq.index import Match
from bot.faq.settings import PolicySettings

DecisionKind = Literal["answer", "clarify", "fallback"]


@dataclass(frozen=True)
class Decision:
    """What to do with a question, and which entries to offer the shopper."""

    kind: DecisionKind
    offered: tuple[str, ...]
    # an answer above ``answer_threshold``; False for one only :func:`confirmed` by the
    # question's words, which a product named with its size or store should beat
    firm: bool = True


def decide(matches: list[Match], policy: PolicySettings, topic_only: bool = False) -> Decision:
    """Decide from the ranked matches.

    * answer: the best entry clears ``answer_threshold``, beats the runner-up by
      ``answer_margin`` (by ``clarify_window`` when ``topic_only``: a one-word message such as
      "toimitus" names a topic, not a question, so close entries are offered instead) and its
      texts cover at least ``min_coverage`` of the question's words; or, not for a topic, it
      is :func:`confirmed` by the question's words;
    * clarify: the best entry clears ``clarify_threshold``; offer it and the next entries
      within ``clarify_window`` of it (2 to ``clarify_max`` entries);
    * fallback: otherwise.
    """
    if not matches:
        return Decision("fallback", ())
    top = matches[0]
    second = matches[1] if len(matches) > 1 else Match("", 0.0, 0.0, 0.0)
    lead = top.score - second.score
    margin = policy.clarify_window if topic_only else policy.answer_margin
    if (
        top.score >= policy.answer_threshold
        and lead >= margin
        and top.coverage >= policy.min_coverage
    ):
        return Decision("answer", (top.id,))
    if not topic_only and confirmed(
        top.score, lead, top.lexical, top.coverage, second.lexical, policy
    ):
        return Decision("answer", (top.id,), firm=False)
    if top.score >= policy.clarify_threshold and len(matches) > 1:
        close = [m.id for m in matches[1:] if top.score - m.score <= policy.clarify_window]
        offered = [top.id, *close][: policy.clarify_max]
        if len(offered) < 2:
            offered = [top.id, matches[1].id]
        return Decision("clarify", tuple(offered))
    return Decision("fallback", ())


def confirmed(
    score: float,
    margin: float,
    lexical: float,
    coverage: float,
    runner_up_lexical: float,
    policy: PolicySettings,
) -> bool:
    """Whether the first entry may be answered below ``answer_threshold`` because the
    question's words confirm it.

    The thresholds are derived on leave-one-out, which is pessimistic on a FAQ with one or two
    phrasings per language (docs/quality.md). An off-topic message reaches the same embedding
    scores but rarely shares most of its words with one entry far more than with any other, so
    the first entry is answered from ``confirmed_floor`` of the way between the clarify and
    the answer threshold when it beats the runner-up by ``answer_margin``, is the lexically
    best entry, the runner-up has at most ``confirmed_runner_up`` of its BM25, and it covers
    at least ``confirmed_coverage`` of the question's words.

    Args:
        score: the first entry's score.
        margin: its lead over the runner-up.
        lexical: its BM25 over the best entry's (1.0: lexically best).
        coverage: its word coverage of the question.
        runner_up_lexical: the runner-up's BM25 over the best entry's (0.0: no runner-up).
        policy: the thresholds.
    """
    floor = policy.clarify_threshold + policy.confirmed_floor * (
        policy.answer_threshold - policy.clarify_threshold
    )
    return (
        policy.confirmed_floor < 1.0
        and score >= floor
        and margin >= policy.answer_margin
        and lexical >= 1.0 - 1e-6
        and runner_up_lexical <= policy.confirmed_runner_up
        and coverage >= policy.confirmed_coverage
    )
