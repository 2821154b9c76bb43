from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.embeddings import EmbeddingCache, GroupedRows, normalise
from tests.fakes import HashingEncoder


def _rows() -> GroupedRows:
    vectors = normalise(
        np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    )
    return GroupedRows(vectors, [0, 0, 1], owners=3)


def test_scores_mix_the_best_row_and_the_centroid() -> None:
    rows = _rows()
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    centroid = normalise(np.array([[1.6, 0.8, 0.0]], dtype=np.float32))[0]
    scores = rows.scores(query, best_row_weight=0.3)
    assert scores[0] == pytest.approx(0.3 * 1.0 + 0.7 * float(centroid @ query), abs=1e-6)
    assert scores[1] == pytest.approx(0.0, abs=1e-6)
    assert scores[2] == pytest.approx(0.3 * -1.0, abs=1e-6)  # no rows: best -1, centroid 0
    assert rows.scores(query, best_row_weight=1.0)[0] == pytest.approx(1.0, abs=1e-6)


def test_a_left_out_row_counts_neither_as_best_row_nor_in_the_centroid() -> None:
    rows = _rows()
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    scores = rows.scores(query, best_row_weight=0.5, leave_out=0)
    assert scores[0] == pytest.approx(0.6, abs=1e-6)  # only row 1 is left: best = centroid = .6
    assert rows.scores(query, best_row_weight=0.5)[0] > scores[0]


def _owners_agreeing_or_not() -> tuple[GroupedRows, np.ndarray]:
    """Owner 0: one row at .90 and one at .50 to the query; owner 1: two rows at .88."""
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)

    def row(cosine: float, side: float) -> list[float]:
        return [cosine, side * float(np.sqrt(1 - cosine**2)), 0.0]

    vectors = np.array([row(0.90, 1), row(0.50, 1), row(0.88, 1), row(0.88, -1)], dtype=np.float32)
    return GroupedRows(vectors, [0, 0, 1, 1], owners=2), query


def test_a_soft_maximum_lets_a_second_close_row_count() -> None:
    rows, query = _owners_agreeing_or_not()
    hard, soft = rows.soft_scores(query, best_row_weight=1.0, leave_out=None, temperature=0.03)
    assert hard == pytest.approx([0.90, 0.88], abs=1e-6)  # the best row alone: owner 0 first
    assert soft[1] > soft[0]  # two rows at .88 beat one at .90 and one far below
    # t * log(mean(exp(s / t))): between the mean and the best row; equal rows give that row
    assert 0.70 < soft[0] < 0.90
    assert soft[1] == pytest.approx(0.88, abs=1e-6)
    assert np.array_equal(rows.scores(query, best_row_weight=1.0), hard)


def test_a_low_temperature_is_the_best_row_and_zero_is_exactly_it() -> None:
    rows, query = _owners_agreeing_or_not()
    hard, same = rows.soft_scores(query, 0.3, None, temperature=0.0)
    assert same is hard
    _, cold = rows.soft_scores(query, 0.3, None, temperature=0.001)
    assert cold == pytest.approx(hard, abs=1e-3)


def test_the_soft_maximum_does_not_count_a_left_out_row() -> None:
    rows, query = _owners_agreeing_or_not()
    # without row 1 (.50), owner 0 has one row left: its soft maximum is that row
    hard, soft = rows.soft_scores(query, 1.0, leave_out=1, temperature=0.03)
    assert soft[0] == pytest.approx(0.90, abs=1e-6) and hard[0] == pytest.approx(0.90, abs=1e-6)
    # an owner whose only rows are all left out keeps the best row's -1 of an empty owner
    single = GroupedRows(np.array([[1.0, 0.0, 0.0]], dtype=np.float32), [0], owners=1)
    _, alone = single.soft_scores(query, 1.0, leave_out=0, temperature=0.03)
    assert alone[0] == pytest.approx(-1.0)


class _Passages:
    """Queries on the first axis, passages on the second: which one embedded a text shows."""

    name = "passages-test-encoder"

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.passages: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages.extend(texts)
        return np.tile(np.array([0.0, 1.0], dtype=np.float32), (len(texts), 1))


def test_the_cache_keeps_passage_and_query_embeddings_of_a_text_apart(tmp_path: Path) -> None:
    encoder = _Passages()
    cache = EmbeddingCache(encoder, tmp_path / "cache.npz")
    assert cache.encode(["returns"])[0].tolist() == [1.0, 0.0]
    assert cache.encode_passages(["returns", "returns"]).tolist() == [[0.0, 1.0], [0.0, 1.0]]
    assert cache.encode(["returns"])[0].tolist() == [1.0, 0.0]
    again = EmbeddingCache(encoder, tmp_path / "cache.npz")  # from disk: nothing re-embedded
    assert again.encode_passages(["returns"])[0].tolist() == [0.0, 1.0]
    assert encoder.queries == ["returns"] and encoder.passages == ["returns"]


def test_an_encoder_without_passages_embeds_them_as_queries() -> None:
    encoder = HashingEncoder()
    cache = EmbeddingCache(encoder)
    assert np.array_equal(cache.encode_passages(["returns"]), encoder.encode(["returns"]))
    assert cache.encode_passages([]).shape[0] == 0
