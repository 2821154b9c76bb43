from __future__ import annotations

import numpy as np

from bot.faq.lexical import LexicalRow, LexicalScorer

ROWS = [
    LexicalRow(0, "sv", "var skriver jag in rabattkoden?"),
    LexicalRow(0, "sv", "min rabattkod fungerar inte"),
    LexicalRow(1, "sv", "jag har glömt mitt lösenord"),
    LexicalRow(0, "fi", "mihin alennuskoodi kirjoitetaan?"),
    LexicalRow(1, "fi", "miten vaihdan salasanan"),
    LexicalRow(2, "en", "where do I enter a discount code?"),
]
SCORER = LexicalScorer(ROWS, entries=3)


def test_inflected_forms_match_by_stem() -> None:
    scores = SCORER.scores("rabattkoder funkar inte", "sv")
    assert scores[0] == 1.0  # the best entry is scaled to 1
    assert scores[1] == 0.0
    assert SCORER.scores("salasanat ei toimi", "fi").tolist() == [0.0, 1.0, 0.0]


def test_only_texts_in_the_questions_language_count() -> None:
    assert SCORER.scores("discount code", "sv").tolist() == [0.0, 0.0, 0.0]
    assert SCORER.scores("discount code", "en")[2] == 1.0
    assert SCORER.scores("rabattkod", "de").tolist() == [0.0, 0.0, 0.0]  # unknown language


def test_leave_out_ignores_that_rows_words() -> None:
    with_row = SCORER.scores("lösenord", "sv")
    assert with_row[1] == 1.0
    assert SCORER.scores("lösenord", "sv", leave_out=2).tolist() == [0.0, 0.0, 0.0]
    assert np.array_equal(SCORER.scores("lösenord", "sv", leave_out=0), with_row)  # other entry


def test_rarer_words_weigh_more() -> None:
    scorer = LexicalScorer(
        [
            LexicalRow(0, "en", "order delivery time"),
            LexicalRow(1, "en", "order refund"),
            LexicalRow(2, "en", "order gift card"),
        ],
        entries=3,
    )
    scores = scorer.scores("order refund", "en")
    assert scores[1] == 1.0 and scores[0] < 0.5 and scores[0] == scores[2]
