"""The live search's top k is exactly the head of the full ranking, and the full ranking is
exactly what the faiss search over every row (the code before) gave."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from bot import language
from bot.embeddings import EmbeddingCache, GroupedRows
from bot.faq import index as index_module
from bot.faq.index import FaqIndex, Match
from bot.faq.loader import load_faq
from bot.faq.policy import decide
from bot.faq.service import FaqService
from bot.faq.settings import RetrievalSettings, Settings, load_settings
from bot.faq.sparse import write_sparse_faq
from scripts.bench_faq_scale import SyntheticEncoder, synthetic_faq
from tests.conftest import ROOT
from tests.fakes import HashingEncoder

WINDOWS = (0.0, 0.03, 0.1)
_FAISS: weakref.WeakKeyDictionary[GroupedRows, Any] = weakref.WeakKeyDictionary()
TOP_KS = (1, 2, 5, 10)


def reference_search(
    index: FaqIndex,
    vector: np.ndarray,
    leave_out: int | None = None,
    text: str | None = None,
    lang: str | None = None,
) -> list[Match]:
    """``search_vector`` before the top k (faiss asked for every row, sorted), verbatim, plus
    the ranking by a soft maximum over each entry's rows (``row_temperature``), per entry."""
    rows = index._vectors
    faiss_index = _FAISS.get(rows)
    if faiss_index is None:  # built once per index, as the code before built it with the index
        import faiss

        faiss_index = _FAISS[rows] = faiss.IndexFlatIP(rows.vectors.shape[1])
        faiss_index.add(rows.vectors)
    count = len(rows.owner_of_row)
    found, numbers = faiss_index.search(vector.reshape(1, -1).astype(np.float32), count)
    row_scores = np.full(count, -np.inf, dtype=np.float32)
    present = numbers[0] >= 0
    row_scores[numbers[0][present]] = found[0][present]
    if leave_out is not None:
        row_scores[leave_out] = -np.inf
    best = np.full(rows.owners, -1.0, dtype=np.float32)
    np.maximum.at(best, rows.owner_of_row, row_scores)
    centroids = rows._centroids
    if leave_out is not None:
        centroids = rows._centroids.copy()
        owner = rows.owner_of_row[leave_out]
        reduced = rows._centroid_sums[owner] - rows.vectors[leave_out]
        norm = np.linalg.norm(reduced[None, :], axis=1, keepdims=True)
        centroids[owner] = (reduced[None, :] / np.maximum(norm, 1e-12)).astype(np.float32)[0]
    weight = index.settings.best_row_weight
    combined: Any = (weight * best + (1.0 - weight) * (centroids @ vector)).astype(np.float32)
    rank: Any = combined
    temperature = index.settings.row_temperature
    if temperature > 0:  # ranked by a soft maximum of each entry's rows, reported as before
        soft = best.copy()
        for owner in range(rows.owners):
            own = row_scores[rows.owner_of_row == owner]
            own = own[np.isfinite(own)]
            if len(own):
                shifted = (own - own.max()).astype(np.float64)
                mean = np.exp(shifted / temperature).mean()
                soft[owner] = np.float32(float(own.max()) + temperature * np.log(mean))
        rank = (weight * soft + (1.0 - weight) * (centroids @ vector)).astype(np.float32)
    lexical_weight = next(
        (w for code, w in index.settings.lexical_weight.items() if code == lang), 0.0
    )
    coverage: Any = np.ones(len(index.faq.entries), dtype=np.float32)
    lexical: Any = coverage
    if text is not None:
        signals = index._lexical.signals(text, lang or "", leave_out)
        coverage, lexical = signals.coverage, signals.bm25
        if lexical_weight > 0:
            combined = combined - lexical_weight * (1.0 - signals.bm25)
            rank = rank - lexical_weight * (1.0 - signals.bm25)
    order = np.argsort(-rank, kind="stable")
    return [
        Match(index.faq.entries[i].id, float(combined[i]), float(coverage[i]), float(lexical[i]))
        for i in order
    ]


def expected_head(full: list[Match], top_k: int, within: float) -> list[Match]:
    """The first ``top_k`` of ``full`` and any further match within ``within`` of the first,
    as the callers compare them (``top.score - m.score <= window``)."""
    return [
        m
        for n, m in enumerate(full)
        if n < top_k or (within > 0 and full[0].score - m.score <= within)
    ]


Query = tuple[str, str, np.ndarray]


def embedded(index: FaqIndex, questions: list[tuple[str, str]]) -> list[Query]:
    """``(query text, language, vector)`` of each question, embedded by ``index``'s model."""
    texts = [(index.query_text(text, lang), lang) for text, lang in questions]
    vectors = index._cache.encode([text for text, _ in texts])
    return [(text, lang, vector) for (text, lang), vector in zip(texts, vectors, strict=True)]


def assert_heads_match(index: FaqIndex, queries: list[Query]) -> int:
    """For every query: the full list is the reference's, every top k its head."""
    checked = 0
    for query, lang, vector in queries:
        full = reference_search(index, vector, text=query, lang=lang)
        assert index.search_vector(vector, text=query, lang=lang) == full, query
        for top_k in TOP_KS:
            for within in WINDOWS:
                head = index.search_vector(
                    vector, text=query, lang=lang, top_k=top_k, within=within
                )
                assert head == expected_head(full, top_k, within), (query, top_k, within)
                checked += 1
    return checked


def labelled_questions() -> list[tuple[str, str]]:
    """Every question of the dev and eval sets (used as queries only), with its language."""
    questions = []
    for name in ("faq_dev.yml", "eval_cases.yml"):
        cases = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        questions.extend((case["text"], case["lang"]) for case in cases["cases"])
    return questions


@pytest.mark.parametrize("seed", range(40))
def test_best_first_is_the_head_of_the_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 300))
    # few distinct values: many ties, also at the k-th place
    scores = (rng.integers(0, 12, size) / 12 * 0.2 + 0.7).astype(np.float32)
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    for top_k in (1, 2, 3, size // 2 or 1, size):
        for within in (0.0, 0.01, 0.02, 0.05):
            expected = [
                int(i)
                for n, i in enumerate(order)
                if n < top_k or (within > 0 and best - float(scores[i]) <= within)
            ]
            found = index_module._best_first(scores, top_k, within).tolist()
            assert found == expected, (top_k, within)


def test_top_k_is_the_head_of_the_full_list(faq_dir: Path) -> None:
    index = FaqIndex(
        load_faq(faq_dir),
        EmbeddingCache(HashingEncoder()),
        RetrievalSettings(lexical_weight={"fi": 0.02, "sv": 0.02, "en": 0.0}),
    )
    questions = [
        ("how long does the delivery take", "en"),
        ("kauanko on aikaa palauttaa", "fi"),
        ("hur lång är leveranstiden", "sv"),
        ("xyzzy", "fi"),
    ]
    checked = assert_heads_match(index, embedded(index, questions))
    assert checked == len(questions) * len(TOP_KS) * len(WINDOWS)
    assert index.search("broken product", "en", top_k=2) == index.search("broken product", "en")[:2]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "faqbot.yml")


@pytest.fixture(scope="module")
def service(settings: Settings) -> FaqService:
    served = FaqService(settings)
    served.warm_up()
    return served


@pytest.mark.integration
def test_shipped_faq_top_k_and_leave_one_out(service: FaqService) -> None:
    index = service.index
    assert assert_heads_match(index, embedded(index, labelled_questions())) > 5000
    for row in index.question_rows():  # the threshold calibration's searches
        vector, text, lang = index.row_vector(row), index.rows[row].text, index.rows[row].lang
        new = index.search_vector(vector, leave_out=row, text=text, lang=lang)
        assert new == reference_search(index, vector, leave_out=row, text=text, lang=lang), row


@pytest.mark.integration
def test_shipped_faq_decisions_are_those_of_the_full_list(service: FaqService) -> None:
    policy = service.thresholds.policy
    top_k = service.settings.retrieval.top_k
    for text, lang in labelled_questions():
        reply = service.answer(text, lang)
        full = service.index.search(text, lang)
        assert reply.matches == expected_head(full, top_k, policy.clarify_window), text
        topic_only = len(language.WORD.findall(text)) == 1
        assert reply.decision == decide(full, policy, topic_only), text


@pytest.mark.integration
def test_sparse_faq_top_k(service: FaqService, settings: Settings, tmp_path: Path) -> None:
    write_sparse_faq(ROOT / "data" / "faq", tmp_path / "sparse")
    index = FaqIndex(load_faq(tmp_path / "sparse"), service.index._cache, settings.retrieval)
    assert assert_heads_match(index, embedded(index, labelled_questions())) > 5000


@pytest.mark.integration
def test_synthetic_2k_faq_top_k(service: FaqService, settings: Settings) -> None:
    real = service.index
    base = {row.text: real.row_vector(number) for number, row in enumerate(real.rows)}
    faq, origin = synthetic_faq(real.faq, 2000)
    normalised = {real.normalise(text): real.normalise(o) for text, o in origin.items()}
    index = FaqIndex(faq, EmbeddingCache(SyntheticEncoder(base, normalised)), settings.retrieval)
    # the synthetic index embeds only its own texts: the questions' vectors come from the model
    queries = [
        (index.query_text(text, lang), lang, real.embed(text, lang))
        for text, lang in labelled_questions()
    ]
    assert assert_heads_match(index, queries) > 5000
