"""The recipe that picks the answer / clarify thresholds from scored calibration questions."""

from __future__ import annotations

from bot.faq.calibration import Budgets, Calibration, Scored, choose_thresholds
from bot.faq.settings import PolicySettings

POLICY = PolicySettings(min_coverage=0.0)


def scored(top: float, margin: float, correct: bool, coverage: float = 1.0) -> Scored:
    return Scored(top, margin, correct, "e" if correct else "other", "e", coverage)


def offtopic(*tops: float, coverage: float = 1.0) -> list[Scored]:
    return [Scored(top, 0.05, False, None, "x", coverage) for top in tops]  # clear margins


def test_a_ranking_that_errs_often_still_answers_its_clear_wins() -> None:
    # a sparse FAQ's leave-one-out: half the questions ranked wrong, mostly by a thin margin
    right = [scored(0.92, 0.03, True) for _ in range(50)]
    wrong = [scored(0.92, 0.002, False) for _ in range(45)] + [
        scored(0.92, 0.03, False) for _ in range(5)
    ]
    policy = choose_thresholds(right + wrong, offtopic(*[0.80] * 100), POLICY)
    assert policy.answer_margin > 0.002  # the thin-margin errors are not answered
    assert policy.answer_threshold <= 0.92  # the clear wins are, although 5% of all are wrong


def test_at_most_the_budgeted_share_of_the_ranking_s_errors_is_answered() -> None:
    right = [scored(0.92, 0.03, True) for _ in range(50)]
    wrong = [scored(0.92, 0.03, False) for _ in range(50)]  # errors look like wins
    policy = choose_thresholds(right + wrong, offtopic(*[0.80] * 100), POLICY)
    assert policy.answer_threshold > 0.92  # answering any would answer all 50 errors


def test_off_topic_messages_set_the_floor_unless_their_words_are_not_the_faq_s() -> None:
    right = [scored(0.90, 0.03, True) for _ in range(50)]
    loud = offtopic(*[0.91] * 10, *[0.80] * 90)  # 10% of off-topic messages score high
    assert choose_thresholds(right, loud, POLICY).answer_threshold > 0.91
    gated = PolicySettings(min_coverage=0.2)
    quiet = offtopic(*[0.91] * 10, *[0.80] * 90, coverage=0.05)  # but share no words with it
    assert choose_thresholds(right, quiet, gated).answer_threshold <= 0.90


def test_buttons_reach_at_most_the_budgeted_share_of_off_topic_messages() -> None:
    right = [scored(0.95, 0.03, True) for _ in range(50)]
    # off-topic scores 0.80, 0.81, ... 0.89, ten messages each: the clarify threshold may let
    # the top fifth (0.88 and 0.89) reach buttons, not more
    negatives = offtopic(*[0.80 + step / 100 for step in range(10) for _ in range(10)])
    policy = choose_thresholds(right, negatives, POLICY, Budgets(offtopic_reached=0.2))
    assert 0.87 < policy.clarify_threshold <= 0.88
    stricter = choose_thresholds(right, negatives, POLICY, Budgets(offtopic_reached=0.1))
    assert 0.88 < stricter.clarify_threshold <= 0.89


def test_off_topic_messages_the_words_would_confirm_count_against_the_answer_budget() -> None:
    policy = POLICY.model_copy(update={"confirmed_floor": 0.5})
    right = [scored(0.97, 0.03, True) for _ in range(50)]
    # a tenth of the off-topic messages score 0.92 with one entry lexically far ahead; the
    # rest 0.88, so buttons may reach all (clarify threshold 0.8825)
    confirmable = [
        Scored(0.92, 0.05, False, None, "x", 0.5, lexical=1.0, runner_up_lexical=0.3)
        for _ in range(10)
    ]
    negatives = confirmable + offtopic(*[0.88] * 90)
    chosen = choose_thresholds(right, negatives, policy)
    assert chosen.clarify_threshold == 0.8825
    # an answer threshold of 0.9225 would have answered them all as confirmed (floor 0.9025):
    # the floor halfway up from 0.8825 must stay above 0.92
    assert chosen.answer_threshold > 0.9575
    rates = Calibration(chosen, right, negatives).rates(chosen)
    assert rates["offtopic_answered"] <= 0.02
    assert rates["answered_correct"] == 1.0
