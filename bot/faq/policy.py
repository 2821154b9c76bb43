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


def decide(matches: list[Match], policy: PolicySettings, topic_only: bool = False) -> Decision:
    """Decide from the ranked matches.

    * answer: the best entry clears ``answer_threshold``, beats the runner-up by
      ``answer_margin`` (by ``clarify_window`` when ``topic_only``: a one-word message such as
      "toimitus" names a topic, not a question, so close entries are offered instead) and its
      texts cover at least ``min_coverage`` of the question's words;
    * clarify: the best entry clears ``clarify_threshold``; offer it and the next entries
      within ``clarify_window`` of it (2 to ``clarify_max`` entries);
    * fallback: otherwise.
    """
    if not matches:
        return Decision("fallback", ())
    top = matches[0]
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    margin = policy.clarify_window if topic_only else policy.answer_margin
    if (
        top.score >= policy.answer_threshold
        and top.score - runner_up >= margin
        and top.coverage >= policy.min_coverage
    ):
        return Decision("answer", (top.id,))
    if top.score >= policy.clarify_threshold and len(matches) > 1:
        close = [m.id for m in matches[1:] if top.score - m.score <= policy.clarify_window]
        offered = [top.id, *close][: policy.clarify_max]
        if len(offered) < 2:
            offered = [top.id, matches[1].id]
        return Decision("clarify", tuple(offered))
    return Decision("fallback", ())
