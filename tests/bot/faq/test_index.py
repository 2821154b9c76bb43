from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.embeddings import EmbeddingCache
from bot.faq.index import FaqIndex
from bot.faq.loader import load_faq
from bot.faq.settings import RetrievalSettings
from tests.fakes import HashingEncoder


def build(faq_dir: Path, **settings: object) -> tuple[FaqIndex, HashingEncoder]:
    encoder = HashingEncoder()
    index = FaqIndex(load_faq(faq_dir), EmbeddingCache(encoder), RetrievalSettings(**settings))
    return index, encoder


def test_ranks_the_matching_entry_first(faq_dir: Path) -> None:
    index, _ = build(faq_dir)
    assert index.search("how long does the delivery take")[0].id == "delivery_time"
    assert index.search("kauanko on aikaa palauttaa")[0].id == "return_period"
    matches = index.search("broken product")
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(matches) == 3


def test_search_many_ranks_as_search_does(faq_dir: Path) -> None:
    index, _ = build(faq_dir, lexical_weight={"fi": 0.02, "sv": 0.02, "en": 0.0})
    questions = [("how long does the delivery take", "en"), ("kauanko on aikaa palauttaa", "fi")]
    assert index.search_many(questions) == [index.search(t, lang) for t, lang in questions]
    assert index.search_many([]) == []


def test_rows_are_lowercased_and_answers_optional(faq_dir: Path) -> None:
    index, _ = build(faq_dir)
    assert all(row.text == row.text.lower() for row in index.rows)
    assert {row.kind for row in index.rows} == {"question", "answer"}
    index, _ = build(faq_dir, include_answers=False, lowercase=False)
    assert {row.kind for row in index.rows} == {"question"}
    assert any(row.text != row.text.lower() for row in index.rows)


def test_score_mixes_best_row_and_centroid(faq_dir: Path) -> None:
    only_best, _ = build(faq_dir, best_row_weight=1.0)
    exact = "how long does delivery take?"
    assert abs(only_best.search(exact)[0].score - 1.0) < 1e-5
    mixed, _ = build(faq_dir, best_row_weight=0.3)
    assert mixed.search(exact)[0].score < 0.99


def test_leave_one_out_ignores_the_row(faq_dir: Path) -> None:
    index, _ = build(faq_dir, best_row_weight=1.0)
    row = index.question_rows()[0]
    with_row = index.search_vector(index.row_vector(row))
    without = index.search_vector(index.row_vector(row), leave_out=row)
    assert with_row[0].score > 0.999
    assert without[0].score < 0.999


def test_cache_only_embeds_new_texts(faq_dir: Path) -> None:
    encoder = HashingEncoder()
    cache = EmbeddingCache(encoder)
    FaqIndex(load_faq(faq_dir), cache, RetrievalSettings())
    first = sum(len(c) for c in encoder.calls)
    text = (faq_dir / "demo.yml").read_text().replace("30 days", "60 days")
    (faq_dir / "demo.yml").write_text(text)
    FaqIndex(load_faq(faq_dir), cache, RetrievalSettings())
    assert sum(len(c) for c in encoder.calls) == first + 1
    assert np.allclose(np.linalg.norm(cache.encode(["60 days"]), axis=1), 1.0)


def test_cache_persists_on_disk(faq_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "model.npz"
    first = HashingEncoder()
    FaqIndex(load_faq(faq_dir), EmbeddingCache(first, path), RetrievalSettings())
    assert path.exists() and first.calls
    second = HashingEncoder()
    index = FaqIndex(load_faq(faq_dir), EmbeddingCache(second, path), RetrievalSettings())
    assert second.calls == []  # every row came from disk
    assert index.search("how long does delivery take")[0].id == "delivery_time"


def test_unreadable_cache_file_is_ignored(faq_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a numpy file")
    encoder = HashingEncoder()
    FaqIndex(load_faq(faq_dir), EmbeddingCache(encoder, path), RetrievalSettings())
    assert encoder.calls


def test_a_question_without_diacritics_is_embedded_with_them(faq_dir: Path) -> None:
    index, _ = build(faq_dir)
    assert index.query_text("Hur lang ar leveranstiden", "sv") == "hur lång är leveranstiden"
    assert index.query_text("kauanko toimitus kestaa", "fi") == "kauanko toimitus kestää"
    exact = index.search("Hur lång är leveranstiden?", "sv")[0]
    bare = index.search("Hur lang ar leveranstiden?", "sv")[0]
    assert (bare.id, bare.score) == (exact.id, exact.score)  # same text embedded
    off, _ = build(faq_dir, restore_diacritics=False)
    assert off.query_text("hur lang ar leveranstiden", "sv") == "hur lang ar leveranstiden"


def test_lexical_support_is_a_penalty_for_the_other_entries(faq_dir: Path) -> None:
    plain, _ = build(faq_dir, lexical_weight={"fi": 0.0, "sv": 0.0, "en": 0.0})
    lexical, _ = build(faq_dir, lexical_weight={"fi": 0.0, "sv": 0.5, "en": 0.0})
    question = "hur länge har jag returrätt"
    before = {m.id: m.score for m in plain.search(question, "sv")}
    after = {m.id: m.score for m in lexical.search(question, "sv")}
    assert after["return_period"] == before["return_period"]  # the lexically best keeps its score
    assert after["delivery_time"] < before["delivery_time"]
    assert lexical.search(question, "sv")[0].id == "return_period"
    # no weight for the question's language: nothing changes
    english = "how long can I return"
    assert [m.score for m in lexical.search(english, "en")] == [
        m.score for m in plain.search(english, "en")
    ]
