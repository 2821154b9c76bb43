from __future__ import annotations

import numpy as np
import pytest

from bot.embeddings import GroupedRows, normalise


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
