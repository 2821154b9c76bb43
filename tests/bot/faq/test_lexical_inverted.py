"""The inverted-index BM25 gives exactly the scores of the pass over every entry it replaced."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import yaml

from bot.faq.lexical import _B, _K1, LexicalRow, LexicalScorer, LexicalSignals
from bot.faq.loader import load_faq
from tests.conftest import ROOT

Docs = tuple[dict[str, list[Counter[str]]], dict[str, list[int]]]


def scanned_docs(scorer: LexicalScorer) -> Docs:
    """Each entry's terms per language, as the code before kept them."""
    all_docs: dict[str, list[Counter[str]]] = {
        code: [Counter() for _ in range(scorer._entries)] for code in ("fi", "sv", "en")
    }
    for row, terms in zip(scorer._rows, scorer._row_terms, strict=True):
        all_docs[row.lang][row.entry].update(terms)
    all_lengths = {code: [sum(doc.values()) for doc in docs] for code, docs in all_docs.items()}
    return all_docs, all_lengths


def scanning_signals(
    scorer: LexicalScorer, scanned: Docs, text: str, lang: str, leave_out: int | None = None
) -> LexicalSignals:
    """The code before the inverted index (a loop over every entry per term), verbatim."""
    entries = scorer._entries
    all_docs, all_lengths = scanned
    result = np.zeros(entries, dtype=np.float32)
    covered = np.zeros(entries, dtype=np.float32)
    docs, lengths = all_docs.get(lang), all_lengths.get(lang)
    if docs is None or lengths is None:
        return LexicalSignals(result, np.ones(entries, dtype=np.float32))
    if leave_out is not None and scorer._rows[leave_out].lang == lang:
        docs, lengths = list(docs), list(lengths)
        entry, left_out = scorer._rows[leave_out].entry, scorer._row_terms[leave_out]
        docs[entry] = docs[entry] - left_out
        lengths[entry] = sum(docs[entry].values())
    query = set(scorer.terms(text, lang))
    average = (sum(lengths) / len(lengths)) or 1.0
    total_idf = 0.0
    for term in query:
        frequency = sum(1 for doc in docs if term in doc)
        idf = math.log(1 + (len(docs) - frequency + 0.5) / (frequency + 0.5))
        total_idf += idf
        for number, doc in enumerate(docs):
            count = doc.get(term, 0)
            if count:
                norm = _K1 * (1 - _B + _B * lengths[number] / average)
                result[number] += idf * count * (_K1 + 1) / (count + norm)
                covered[number] += idf
    best = float(result.max())
    bm25 = result / best if best > 0 else result
    coverage = covered / total_idf if total_idf > 0 else covered
    return LexicalSignals(bm25, coverage)


def real_faq_rows() -> tuple[list[LexicalRow], int]:
    """The shipped FAQ's questions and answers, lowercased as the index embeds them."""
    faq = load_faq(ROOT / "data" / "faq")
    rows = []
    for number, entry in enumerate(faq.entries):
        for lang, questions in entry.questions.items():
            rows.extend(LexicalRow(number, lang, " ".join(q.split()).lower()) for q in questions)
        for lang, answer in entry.answer.items():
            rows.append(LexicalRow(number, lang, " ".join(answer.split()).lower()))
    return rows, len(faq.entries)


def labelled_questions() -> list[tuple[str, str]]:
    """Every question of the dev and eval sets, with its language."""
    questions = []
    for name in ("faq_dev.yml", "eval_cases.yml"):
        cases = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        questions.extend((case["text"].lower(), case["lang"]) for case in cases["cases"])
    return questions


@pytest.mark.parametrize("mode", ["stems", "lemmas", "lemmas+split"])
def test_same_scores_as_the_scan_on_the_real_faq(mode: str) -> None:
    rows, entries = real_faq_rows()
    scorer = LexicalScorer(rows, entries, mode)
    scanned = scanned_docs(scorer)
    asked = [*labelled_questions(), ("xyzzy plugh", "fi"), ("", "sv"), ("hello", "de")]
    for text, lang in asked:
        new, old = scorer.signals(text, lang), scanning_signals(scorer, scanned, text, lang)
        assert np.array_equal(new.bm25, old.bm25), (text, lang)
        assert np.array_equal(new.coverage, old.coverage), (text, lang)


@pytest.mark.parametrize("mode", ["stems", "lemmas+split"])
def test_same_scores_as_the_scan_leaving_out_each_row(mode: str) -> None:
    """Leave-one-question-out, as the threshold calibration asks: every row with its own text
    and with a question of another language."""
    rows, entries = real_faq_rows()
    scorer = LexicalScorer(rows, entries, mode)
    scanned = scanned_docs(scorer)
    for number, row in enumerate(rows):
        for text, lang in ((row.text, row.lang), ("hur lång är leveranstiden", "sv")):
            new = scorer.signals(text, lang, leave_out=number)
            old = scanning_signals(scorer, scanned, text, lang, leave_out=number)
            assert np.array_equal(new.bm25, old.bm25), (number, text)
            assert np.array_equal(new.coverage, old.coverage), (number, text)
