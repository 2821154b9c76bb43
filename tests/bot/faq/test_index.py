from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.embeddings import EmbeddingCache
from bot.faq.index import FaqIndex, Match
from bot.faq.loader import load_faq
from bot.faq.policy import Decision, decide
from bot.faq.settings import PolicySettings, RetrievalSettings
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
    assert len(matches) == 3
    # ranked by the best row alone, the scores descend (a soft maximum may order them otherwise)
    matches = build(faq_dir, row_temperature=0.0)[0].search("broken product")
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


def test_each_match_carries_its_bm25_relative_to_the_lexically_best_entry(faq_dir: Path) -> None:
    index, _ = build(faq_dir)
    question = "hur länge har jag returrätt"
    matches = {m.id: m for m in index.search(question, "sv")}
    assert matches["return_period"].lexical == pytest.approx(1.0)
    assert 0.0 <= matches["delivery_time"].lexical < 1.0
    # leave-one-out and the live search agree on the signal
    vector = index.embed(question, "sv")
    live = index.search_vector(vector, text=index.query_text(question, "sv"), lang="sv")
    assert [m.lexical for m in live] == [m.lexical for m in index.search(question, "sv")]
    # without the question's text there is no lexical evidence: no entry stands out
    assert {m.lexical for m in index.search_vector(vector)} == {1.0}


TWO_ENTRIES = """\
topic: demo
entries:
  - id: one_close_row
    questions:
      en: ["alpha one", "alpha two"]
    answer:
      en: "answer a"
  - id: two_close_rows
    questions:
      en: ["beta one", "beta two"]
    answer:
      en: "answer b"
"""


COSINES = {"alpha one": 0.90, "alpha two": 0.50, "beta one": 0.88, "beta two": 0.88}


class PlacedEncoder:
    """Each known text at a chosen cosine to the query "q" (the first axis)."""

    name = "placed-test-encoder"

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            cosine = COSINES.get(text, 1.0 if text == "q" else 0.0)
            side = float(np.sqrt(1 - cosine**2))
            vectors[row, 0], vectors[row, 1] = cosine, side
        return vectors


def test_a_soft_maximum_ranks_agreeing_rows_first_and_keeps_the_best_rows_score(
    tmp_path: Path,
) -> None:
    (tmp_path / "faq.yml").write_text(TWO_ENTRIES, encoding="utf-8")
    faq = load_faq(tmp_path)

    def search(temperature: float) -> list[Match]:
        settings = RetrievalSettings(
            best_row_weight=1.0, include_answers=False, row_temperature=temperature
        )
        return FaqIndex(faq, EmbeddingCache(PlacedEncoder()), settings).search("q", "en")

    hard = search(0.0)
    assert [m.id for m in hard] == ["one_close_row", "two_close_rows"]
    assert [m.score for m in hard] == pytest.approx([0.90, 0.88], abs=1e-5)
    soft = search(0.03)
    # two rows at .88 outrank one at .90 with one at .50; the scores stay the best rows'
    assert [m.id for m in soft] == ["two_close_rows", "one_close_row"]
    assert [m.score for m in soft] == pytest.approx([0.88, 0.90], abs=1e-5)
    # the two signals disagree: a negative margin, so the entries are offered, not answered
    policy = PolicySettings(
        answer_threshold=0.5, answer_margin=0.0, clarify_threshold=0.4, min_coverage=0.0
    )
    assert decide(hard, policy).kind == "answer"
    assert decide(soft, policy) == Decision("clarify", ("two_close_rows", "one_close_row"))


def test_the_clarify_window_is_read_from_the_first_entrys_score(tmp_path: Path) -> None:
    (tmp_path / "faq.yml").write_text(TWO_ENTRIES, encoding="utf-8")
    settings = RetrievalSettings(best_row_weight=1.0, include_answers=False, row_temperature=0.03)
    index = FaqIndex(load_faq(tmp_path), EmbeddingCache(PlacedEncoder()), settings)
    assert [m.id for m in index.search("q", "en", top_k=1)] == ["two_close_rows"]
    # the second entry scores above the first (.90 against .88): it is within any window
    within = index.search("q", "en", top_k=1, within=0.001)
    assert [m.id for m in within] == ["two_close_rows", "one_close_row"]
    assert within == index.search("q", "en")


class RecordingPassages(HashingEncoder):
    """The hashing encoder, with passages embedded apart (and recorded)."""

    def __init__(self) -> None:
        super().__init__()
        self.passages: list[str] = []

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages.extend(texts)
        return self.encode([f"passage {text}" for text in texts])


def test_answers_are_embedded_as_passages_and_questions_as_queries(faq_dir: Path) -> None:
    encoder = RecordingPassages()
    settings = RetrievalSettings(answer_prompt="passage")
    index = FaqIndex(load_faq(faq_dir), EmbeddingCache(encoder), settings)
    answers = [row.text for row in index.rows if row.kind == "answer"]
    assert sorted(encoder.passages) == sorted(answers)
    queried = {text for call in encoder.calls for text in call}
    assert not queried & set(answers)
    number = next(n for n, row in enumerate(index.rows) if row.kind == "answer")
    passage = encoder.encode([f"passage {index.rows[number].text}"])[0]
    assert np.allclose(index.row_vector(number), passage)

    encoder = RecordingPassages()  # the default: answers embedded as queries
    index = FaqIndex(load_faq(faq_dir), EmbeddingCache(encoder), RetrievalSettings())
    assert encoder.passages == []
    assert np.allclose(index.row_vector(number), encoder.encode([index.rows[number].text])[0])


def test_spoken_forms_are_written_out_where_configured(faq_dir: Path) -> None:
    both, _ = build(faq_dir, colloquial="both")
    assert both.query_text("kauanko mul on aikaa palauttaa", "fi") == (
        "kauanko minulla on aikaa palauttaa"
    )
    assert both.query_text("hur länge har ja returrätt", "sv") == "hur länge har jag returrätt"
    off, _ = build(faq_dir)  # the default
    assert off.query_text("hur länge har ja returrätt", "sv") == "hur länge har ja returrätt"
    lexical, _ = build(faq_dir, colloquial="lexical")  # embedded as typed, matched as written
    assert lexical.query_text("hur länge har ja returrätt", "sv") == "hur länge har ja returrätt"
    # "ja" matched as "jag", a word of the return entry's Swedish question only
    written = {m.id: m.lexical for m in lexical.search("ja", "sv")}
    assert (written["return_period"], written["delivery_time"]) == (1.0, 0.0)
    assert {m.lexical for m in off.search("ja", "sv")} == {0.0}


def test_expansion_reaches_the_lexical_signal(faq_dir: Path) -> None:
    weights = {"fi": 0.02, "sv": 0.02, "en": 0.0}
    plain, _ = build(faq_dir, lexical_weight=weights)
    expanded, _ = build(
        faq_dir, lexical_weight=weights, lexical_expand={"fi": 1.0, "sv": 1.0, "en": 0.0}
    )
    # a letter left out of the FAQ's "returrätt"
    assert {m.lexical for m in plain.search("returrättn", "sv")} == {0.0}
    best = expanded.search("returrättn", "sv")[0]
    assert (best.id, best.lexical) == ("return_period", 1.0)


def test_shopper_questions_are_rows_but_not_calibration_questions(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "a.yml").write_text(
        "entries:\n"
        "  - id: delivery_time\n"
        '    questions: {en: ["How long does delivery take?"]}\n'
        "    shopper_questions: {en: [my stuff still not here]}\n"
        "    answer: {en: Two days.}\n"
        "  - id: returns\n"
        '    questions: {en: ["How do I return a product?"]}\n'
        "    answer: {en: Send it back.}\n",
        encoding="utf-8",
    )
    index, _ = build(faq)
    kinds = [row.kind for row in index.rows]
    assert kinds.count("shopper") == 1
    assert [index.rows[r].kind for r in index.question_rows()] == ["question", "question"]
    assert index.search("my stuff still not here")[0].id == "delivery_time"
    editors = index.editors_only()
    assert [row.kind for row in editors.rows].count("shopper") == 0
    assert index.editors_only() is not index and editors.editors_only() is editors
