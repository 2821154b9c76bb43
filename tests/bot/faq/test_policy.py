from __future__ import annotations

from bot.faq.index import Match
from bot.faq.policy import Decision, decide
from bot.faq.settings import PolicySettings

POLICY = PolicySettings(
    answer_threshold=0.80,
    answer_margin=0.02,
    clarify_threshold=0.70,
    clarify_window=0.05,
    clarify_max=3,
)


def ranked(*scores: float) -> list[Match]:
    return [Match(f"e{i}", s) for i, s in enumerate(scores)]


def test_confident_and_clear_winner_is_answered() -> None:
    decision = decide(ranked(0.85, 0.80, 0.5), POLICY)
    assert decision.kind == "answer" and decision.offered == ("e0",)


def test_confident_but_too_close_runner_up_clarifies() -> None:
    decision = decide(ranked(0.85, 0.84, 0.83, 0.82, 0.5), POLICY)
    assert decision.kind == "clarify"
    assert decision.offered == ("e0", "e1", "e2")  # capped at clarify_max


def test_clarify_offers_only_close_entries_but_at_least_two() -> None:
    assert decide(ranked(0.75, 0.72, 0.60), POLICY).offered == ("e0", "e1")
    assert decide(ranked(0.75, 0.60, 0.59), POLICY).offered == ("e0", "e1")


def test_low_score_falls_back() -> None:
    decision = decide(ranked(0.69, 0.3), POLICY)
    assert decision.kind == "fallback" and decision.offered == ()
    assert decide([], POLICY).kind == "fallback"


def test_a_single_topic_word_gets_the_close_entries_to_choose_from() -> None:
    close = ranked(0.85, 0.82, 0.81, 0.5)  # answered as a question: ahead by 0.03 > margin
    assert decide(close, POLICY).kind == "answer"
    topic = decide(close, POLICY, topic_only=True)
    assert topic.kind == "clarify"
    assert topic.offered == ("e0", "e1", "e2")
    alone = ranked(0.85, 0.79, 0.5)  # nothing within the clarify window: still answered
    assert decide(alone, POLICY, topic_only=True).offered == ("e0",)


def test_a_best_entry_that_shares_too_few_of_the_question_s_words_is_offered_not_answered() -> None:
    policy = POLICY.model_copy(update={"min_coverage": 0.2})
    covered = [Match("e0", 0.85, coverage=0.5), Match("e1", 0.80, coverage=0.9)]
    assert decide(covered, policy).kind == "answer"
    uncovered = [Match("e0", 0.85, coverage=0.1), Match("e1", 0.80, coverage=0.9)]
    decision = decide(uncovered, policy)
    assert decision.kind == "clarify" and decision.offered == ("e0", "e1")


# thresholds 0.80 / 0.70: the confirmed answer's floor is halfway, 0.75
CONFIRMING = POLICY.model_copy(
    update={"confirmed_floor": 0.5, "confirmed_coverage": 0.4, "confirmed_runner_up": 0.6}
)


def below_the_answer_threshold(
    coverage: float = 0.5, runner_up_lexical: float = 0.3, score: float = 0.77
) -> list[Match]:
    return [
        Match("e0", score, coverage=coverage, lexical=1.0),
        Match("e1", score - 0.03, coverage=0.5, lexical=runner_up_lexical),
        Match("e2", score - 0.04, coverage=0.5, lexical=0.1),
    ]


def test_a_first_entry_the_question_s_words_confirm_is_answered_below_the_answer_threshold() -> (
    None
):
    assert decide(below_the_answer_threshold(), CONFIRMING) == Decision(
        "answer", ("e0",), firm=False
    )
    # above the answer threshold an answer is firm: a product named with its size beats only
    # the confirmed one (actions/routing.py)
    assert decide(below_the_answer_threshold(score=0.85), CONFIRMING).firm
    # the same question without the confirmation (the old policy) gets buttons
    off = CONFIRMING.model_copy(update={"confirmed_floor": 1.0})
    assert decide(below_the_answer_threshold(), off).kind == "clarify"


def test_a_confirmed_answer_needs_every_part_of_the_confirmation() -> None:
    cases = {
        "runner-up lexically close": below_the_answer_threshold(runner_up_lexical=0.7),
        "few of the question's words": below_the_answer_threshold(coverage=0.3),
        "below the floor": below_the_answer_threshold(score=0.745),
        "lexically second": [
            Match("e0", 0.77, coverage=0.5, lexical=0.9),
            Match("e1", 0.74, coverage=0.5, lexical=1.0),
        ],
        "too close a runner-up": [
            Match("e0", 0.77, coverage=0.5, lexical=1.0),
            Match("e1", 0.76, coverage=0.5, lexical=0.3),
        ],
    }
    for why, matches in cases.items():
        assert decide(matches, CONFIRMING).kind == "clarify", why


def test_a_topic_word_is_never_a_confirmed_answer() -> None:
    decision = decide(below_the_answer_threshold(), CONFIRMING, topic_only=True)
    assert decision == Decision("clarify", ("e0", "e1", "e2"))


def test_without_lexical_evidence_nothing_is_confirmed() -> None:
    # Match.lexical defaults to 1.0 for every entry (no text searched): the runner-up ties
    assert decide(ranked(0.77, 0.74, 0.5), CONFIRMING).kind == "clarify"
