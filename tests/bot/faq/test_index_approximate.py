"""Above ``retrieval.approximate_above`` entries the live search scores only candidate entries
(faiss HNSW graphs + the best by BM25); at or below it nothing changes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from bot.embeddings import EmbeddingCache, GroupedRows
from bot.faq import approximate as approximate_module
from bot.faq.approximate import ApproximateCandidates, Found
from bot.faq.index import FaqIndex, Match
from bot.faq.loader import Faq, FaqEntry, load_faq
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, RetrievalSettings, Settings, load_settings
from scripts.bench_faq_scale import SyntheticEncoder, synthetic_faq
from tests.bot.faq.test_index_top_k import (
    TOP_KS,
    WINDOWS,
    assert_heads_match,
    embedded,
    expected_head,
    labelled_questions,
    reference_search,
)
from tests.bot.faq.test_service import touch_later
from tests.conftest import ROOT
from tests.fakes import HashingEncoder

QUESTIONS = [
    ("how long does the delivery take", "en"),
    ("kauanko on aikaa palauttaa", "fi"),
    ("hur lång är leveranstiden", "sv"),
    ("xyzzy", "fi"),
]


def same(found: list[Match], expected: list[Match]) -> bool:
    """The same entries in the same order with the same coverage, and scores equal but for
    float32 rounding: numpy's matrix-vector product of the few candidates' centroids may round
    a product's last bit differently from the one over every centroid."""
    return [(m.id, m.coverage) for m in found] == [(m.id, m.coverage) for m in expected] and all(
        abs(a.score - b.score) <= 1e-6 for a, b in zip(found, expected, strict=True)
    )


def hashed_index(faq_dir: Path, approximate_above: int | None) -> FaqIndex:
    return FaqIndex(
        load_faq(faq_dir),
        EmbeddingCache(HashingEncoder()),
        RetrievalSettings(approximate_above=approximate_above, approximate_candidates=10),
    )


def test_at_or_below_the_threshold_every_entry_is_scored(
    faq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = len(load_faq(faq_dir).entries)
    asked: list[object] = []
    monkeypatch.setattr(ApproximateCandidates, "search", lambda *args: asked.append(args))
    for limit in (entries, entries + 1, None):
        index = hashed_index(faq_dir, limit)
        assert not index.approximate
        assert_heads_match(index, embedded(index, QUESTIONS))  # the exact results, bit for bit
    assert asked == []


def test_a_soft_maximum_over_the_rows_keeps_every_entry_scored(faq_dir: Path) -> None:
    """The candidates are ranked by the best row: with ``row_temperature`` above 0 no graphs
    are built and the live search ranks every entry by the soft maximum."""
    settings = RetrievalSettings(approximate_above=0, approximate_candidates=10)
    soft = settings.model_copy(update={"row_temperature": 0.03})
    cache = EmbeddingCache(HashingEncoder())
    assert FaqIndex(load_faq(faq_dir), cache, settings).approximate
    index = FaqIndex(load_faq(faq_dir), cache, soft)
    assert not index.approximate
    assert_heads_match(index, embedded(index, QUESTIONS))


def test_above_the_threshold_the_graphs_give_the_candidates(
    faq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = hashed_index(faq_dir, len(load_faq(faq_dir).entries) - 1)
    assert index.approximate
    asked: list[int] = []
    search = ApproximateCandidates.search

    def counted(self: ApproximateCandidates, vector: NDArray[np.float32]) -> Found:
        asked.append(1)
        return search(self, vector)

    monkeypatch.setattr(ApproximateCandidates, "search", counted)
    for query, lang, vector in embedded(index, QUESTIONS):
        index.search_vector(vector, text=query, lang=lang, top_k=5, within=0.03)
    assert len(asked) == len(QUESTIONS)
    # the calibration's searches (every entry, leave-one-out) and approximate=False stay exact
    for query, lang, vector in embedded(index, QUESTIONS):
        full = reference_search(index, vector, text=query, lang=lang)
        assert index.search_vector(vector, text=query, lang=lang) == full
        exact = index.search_vector(vector, text=query, lang=lang, top_k=5, approximate=False)
        assert exact == expected_head(full, 5, 0.0)
        row = index.question_rows()[0]
        assert index.search_vector(vector, leave_out=row, text=query, lang=lang) == (
            reference_search(index, vector, leave_out=row, text=query, lang=lang)
        )
    assert len(asked) == len(QUESTIONS)


def test_candidates_are_scored_exactly(faq_dir: Path) -> None:
    """With every entry a candidate, the approximate path's result is the exact one: only the
    choice of candidates is approximate."""
    index = hashed_index(faq_dir, 0)
    everyone = np.arange(len(index.faq.entries), dtype=np.int64)
    all_found = Found(everyone, float("-inf"), float("-inf"))
    index._approximate.search = lambda vector: all_found  # type: ignore[method-assign,union-attr]
    for query, lang, vector in embedded(index, QUESTIONS):
        full = reference_search(index, vector, text=query, lang=lang)
        for top_k in TOP_KS:
            for within in WINDOWS:
                found = index.search_vector(
                    vector, text=query, lang=lang, top_k=top_k, within=within
                )
                assert same(found, expected_head(full, top_k, within)), (query, top_k, within)


def test_owner_scores_are_those_of_every_owner() -> None:
    """The best row bit for bit (the same faiss kernel), the centroid term but for the last
    bit of numpy's product."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owner_of_row = np.sort(rng.integers(0, 800, len(vectors)))
    rng.shuffle(owner_of_row)  # an owner's rows need not be adjacent
    rows = GroupedRows(vectors, owner_of_row.tolist(), 801)  # owner 800 has no rows
    for _ in range(20):
        query = rng.normal(size=384).astype(np.float32)
        query /= np.linalg.norm(query)
        every = rows.scores(query, 0.3)
        some = np.unique(rng.integers(0, 801, int(rng.integers(1, 300))))
        assert np.array_equal(rows.owner_scores(query, some, 1.0), rows.scores(query, 1.0)[some])
        assert np.allclose(rows.owner_scores(query, some, 0.3), every[some], rtol=0, atol=1e-6)
        assert not np.array_equal(every[some], rows.scores(query, 0.31)[some])  # it can fail


class TableEncoder:
    """Vectors looked up by text."""

    name = "table-test-encoder"

    def __init__(self, table: dict[str, NDArray[np.float32]]) -> None:
        self.table = table

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        return np.stack([self.table[text] for text in texts])


def test_an_entry_lifted_by_bm25_is_a_candidate() -> None:
    """An entry whose dense score is below every other entry's but whose words are the
    question's wins on the lexical penalty: the graphs do not find it, BM25 must."""
    dimensions, fillers = 64, 40
    question = np.zeros(dimensions, dtype=np.float32)
    question[0] = 1.0

    def near(axis: int, weight: float) -> NDArray[np.float32]:
        vector = question.copy()
        vector[axis] = weight
        return vector / np.linalg.norm(vector)

    table = {f"tilaus numero {n}": near(n + 1, 0.30) for n in range(fillers)}
    table["toimitus lappiin kestää"] = near(fillers + 1, 0.32)  # cos 0.952 < 0.958
    entries = tuple(
        FaqEntry(f"e{n}", "demo", {"fi": (text,)}, {"fi": "vastaus"}, False, f"test:{n}")
        for n, text in enumerate(table)
    )
    settings = RetrievalSettings(
        include_answers=False,
        restore_diacritics=False,
        best_row_weight=0.3,
        approximate_above=10,
        approximate_candidates=10,
    )
    index = FaqIndex(Faq(entries), EmbeddingCache(TableEncoder(table)), settings)
    text = "kauanko toimitus lappiin kestää"
    exact = index.search_vector(question, text=text, lang="fi", top_k=10, approximate=False)
    assert exact[0].id == f"e{fillers}"  # the case is what it says: BM25 lifts it to the top
    assert fillers not in index._approximate.owners(question)  # type: ignore[union-attr]
    found = index.search_vector(question, text=text, lang="fi", top_k=10)
    assert found[0] == exact[0]


def test_questions_are_answered_while_a_reload_builds_the_graphs(
    faq_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hot reload builds the new graphs beside the serving index: questions asked meanwhile
    get the previous FAQ's answers, and the edited FAQ serves once its graphs are built."""
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))
    settings = Settings(
        faq_dir=faq_dir,
        policy=PolicySettings(answer_threshold=0.5, clarify_threshold=0.3),
        retrieval=RetrievalSettings(approximate_above=0, approximate_candidates=10),
    )
    service = FaqService(settings, encoder=HashingEncoder())
    service.warm_up()
    assert service.index.approximate
    building, release = threading.Event(), threading.Event()
    build_graph = approximate_module._graph

    def held_graph(vectors: NDArray[np.float32], *parameters: int) -> object:
        building.set()
        assert release.wait(30), "the test never let the graph build finish"
        return build_graph(vectors, *parameters)

    monkeypatch.setattr(approximate_module, "_graph", held_graph)
    path = faq_dir / "demo.yml"
    touch_later(path, path.read_text().replace("1-3 working days", "2-4 working days"))
    reloaded: list[bool] = []
    reloader = threading.Thread(target=lambda: reloaded.append(service.reload_if_changed()))
    reloader.start()
    try:
        assert building.wait(30), "the reload did not start building graphs"
        reply = service.answer("how long does the delivery take", "en")
        assert reply.decision.offered == ("delivery_time",)
        assert service.faq.get("delivery_time").answer["en"].startswith("Delivery takes 1-3")  # type: ignore[union-attr]
    finally:
        release.set()
        reloader.join(60)
    assert reloaded == [True]
    assert service.index.approximate
    assert service.faq.get("delivery_time").answer["en"].startswith("Delivery takes 2-4")  # type: ignore[union-attr]
    reply = service.answer("how long does the delivery take", "en")
    assert reply.decision.offered == ("delivery_time",)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "faqbot.yml")


@pytest.mark.integration
def test_synthetic_faq_approximate_top_1_and_recall(settings: Settings) -> None:
    """On a synthetic FAQ (scripts/bench_faq_scale.py: noisy copies of every real entry, so the
    exact top 10 are near-duplicates a few thousandths apart) the approximate path's best entry
    is the exact best for every question, and it finds most of the exact top 10. 2,000 entries
    (threshold 1,000 here, so the graphs give a tenth of the entries) keep the test to about
    half a minute on a busy machine; bench.py faq-scale measures 100k."""
    service = FaqService(settings)
    service.warm_up()
    real = service.index
    base = {row.text: real.row_vector(number) for number, row in enumerate(real.rows)}
    faq, origin = synthetic_faq(real.faq, 2_000)
    normalised = {real.normalise(text): real.normalise(o) for text, o in origin.items()}
    retrieval = settings.retrieval.model_copy(update={"approximate_above": 1_000})
    index = FaqIndex(faq, EmbeddingCache(SyntheticEncoder(base, normalised)), retrieval)
    assert index.approximate
    questions = labelled_questions()[::8]
    found_top, recalled = 0, 0
    for text, lang in questions:
        query, vector = index.query_text(text, lang), real.embed(text, lang)
        exact = index.search_vector(vector, text=query, lang=lang, top_k=10, approximate=False)
        approximate = index.search_vector(vector, text=query, lang=lang, top_k=10)
        found_top += approximate[0].id == exact[0].id
        recalled += len({m.id for m in exact[:10]} & {m.id for m in approximate[:10]})
        # what both found has the same score: the candidates are scored as in the exact search
        scores = {m.id: m for m in exact}
        assert same(
            [m for m in approximate if m.id in scores],
            [scores[m.id] for m in approximate if m.id in scores],
        ), text
    assert found_top == len(questions)
    assert recalled / (10 * len(questions)) >= 0.95
