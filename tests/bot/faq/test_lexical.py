from __future__ import annotations

import numpy as np
import pytest

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


def test_lemmas_match_inflections_snowball_misses() -> None:
    rows = [
        LexicalRow(0, "sv", "hur lång är ångerrätt"),
        LexicalRow(1, "sv", "hur lång är leveranstiden"),
        LexicalRow(0, "fi", "miten palautuspaketti lähetetään"),
        LexicalRow(1, "fi", "miten lahjakortti toimii"),
    ]
    lemmas = LexicalScorer(rows, entries=2, mode="lemmas")
    assert lemmas.scores("och ångerrätten?", "sv").tolist() == [1.0, 0.0]
    assert lemmas.scores("palautuspaketin osoite", "fi").tolist() == [1.0, 0.0]


def test_compounds_split_into_the_faq_s_own_words() -> None:
    rows = [
        LexicalRow(0, "fi", "kauanko palautus kestää"),
        LexicalRow(0, "fi", "mikä on aika palauttaa"),
        LexicalRow(1, "fi", "paljonko toimitus maksaa"),
        LexicalRow(1, "fi", "mitä kulut ovat"),
        LexicalRow(0, "sv", "hur lång är leverans tid"),
        LexicalRow(1, "sv", "vad kostar frakten"),
    ]
    split = LexicalScorer(rows, entries=2, mode="lemmas+split")
    plain = LexicalScorer(rows, entries=2, mode="lemmas")
    assert split.scores("toimituskulut?", "fi").tolist() == [0.0, 1.0]
    assert plain.scores("toimituskulut?", "fi").tolist() == [0.0, 0.0]
    assert split.scores("leveranstiden", "sv")[0] == 1.0  # linking s: leverans|tid
    assert split.terms("x" * 100_000, "fi") == ["x" * 100_000]  # no split work on non-words


def test_coverage_is_the_idf_share_of_the_question_s_words_an_entry_uses() -> None:
    signals = SCORER.signals("rabattkoden funkar inte", "sv")
    assert signals.coverage[1] == 0.0  # the password entry uses none of these words
    assert 0.0 < signals.coverage[0] < 1.0  # "rabattkod" and "inte", but no entry says "funkar"
    assert SCORER.signals("min rabattkod fungerar inte", "sv").coverage[0] == pytest.approx(1.0)
    assert np.allclose(SCORER.signals("vädret i peru", "sv").coverage, 0.0)  # off topic


def test_coverage_leaves_out_the_left_out_row_s_words() -> None:
    text = "jag har glömt mitt lösenord"
    assert SCORER.signals(text, "sv").coverage[1] == pytest.approx(1.0)
    assert SCORER.signals(text, "sv", leave_out=2).coverage[1] == 0.0


def test_a_language_without_texts_gives_no_evidence_against_any_entry() -> None:
    assert SCORER.signals("rabattkod", "de").coverage.tolist() == [1.0, 1.0, 1.0]


EXPAND_ROWS = [
    LexicalRow(0, "fi", "mikä on palautus aika"),
    LexicalRow(1, "fi", "milloin posti tuo paketin"),
    LexicalRow(2, "fi", "miten vaihdan salasanan"),
    LexicalRow(0, "sv", "hur lång är ångerrätten"),
    LexicalRow(1, "sv", "vad kostar frakten"),
]


def test_expansion_matches_compounds_typos_and_derivations_to_the_faqs_words() -> None:
    plain = LexicalScorer(EXPAND_ROWS, entries=3)
    expanded = LexicalScorer(EXPAND_ROWS, entries=3, expand={"fi": 1.0, "sv": 1.0})
    # a compound of two FAQ words, a typo, a derivation of a FAQ word
    for question, entry in (("palautusaika", 0), ("salsanan", 2), ("postitus", 1)):
        assert plain.scores(question, "fi").tolist() == [0.0, 0.0, 0.0]
        assert expanded.scores(question, "fi").argmax() == entry
        assert expanded.scores(question, "fi").max() == 1.0
    assert plain.scores("frakterna", "sv").max() == 1.0  # Snowball already matches it
    assert expanded.scores("fraktn", "sv").tolist() == [0.0, 1.0, 0.0]  # one letter left out


def test_expansion_leaves_known_and_unrelated_words_alone() -> None:
    plain = LexicalScorer(EXPAND_ROWS, entries=3)
    expanded = LexicalScorer(EXPAND_ROWS, entries=3, expand={"fi": 1.0, "sv": 1.0})
    for question in ("milloin posti tuo paketin", "kissa koira", "miten"):
        assert expanded.signals(question, "fi").bm25.tolist() == (
            plain.signals(question, "fi").bm25.tolist()
        )
    assert expanded.expansions("kissa", "fi") == []


def test_expansion_with_a_question_left_out_uses_only_the_other_entries() -> None:
    rows = [LexicalRow(0, "fi", "palautusaika"), LexicalRow(1, "fi", "palautus aika")]
    expanded = LexicalScorer(rows, entries=2, expand={"fi": 1.0, "sv": 1.0})
    # the left-out question's own word is unknown then, and expands to entry 1's words
    assert expanded.scores("palautusaika", "fi", leave_out=0).tolist() == [0.0, 1.0]
    assert LexicalScorer(rows, entries=2).scores("palautusaika", "fi", leave_out=0).max() == 0.0
