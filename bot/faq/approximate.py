"""Candidate entries for a question from faiss HNSW graphs, for FAQs too big to score in full.

Above ``retrieval.approximate_above`` entries the live search does not score every entry: it
takes candidates from an HNSW graph over the entries' rows (each found row names its entry) and
one over the entries' centroids, adds the entries with the best BM25 for the question (the
lexical penalty can lift an entry that neither graph found), and scores only those candidates,
exactly as the full search would (:meth:`bot.embeddings.GroupedRows.owner_scores`). The graphs
only decide which entries are considered; their recall of the exact top entries is measured in
``scripts/bench.py faq-scale`` (docs/performance.md, "Approximate candidates").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

# faiss's HNSW parameters, chosen by measurement (docs/performance.md, "Approximate
# candidates"): graph edges per node and the build's beam width. The centroid graph (a
# quarter of the rows' nodes, and 1 - best_row_weight = 0.7 of the score) gets twice both:
# with 16/40 it missed an entry whose centroid was the nearest of all (not linked well enough
# to be reached) and a graph over 100,000 centroids still builds in ~20 s. The searches' beam
# widths (efSearch, at least what is asked for): 128 for the rows costs ~1 ms less than 256 at
# 100k entries for recall@10 0.967 instead of 0.972 (the same top-1)
_ROW_NEIGHBOURS, _ROW_EF_CONSTRUCTION, _ROW_EF_SEARCH = 16, 40, 128
_CENTROID_NEIGHBOURS, _CENTROID_EF_CONSTRUCTION, _CENTROID_EF_SEARCH = 32, 80, 256


class ApproximateCandidates:
    """HNSW graphs (inner product) over row vectors and owner centroids.

    The graphs store the vectors 8-bit scalar-quantised (a quarter of float32's memory): they
    only pick candidates, whose scores are then computed from the float32 vectors.

    Args:
        rows: the rows' L2-normalised embeddings.
        owner_of_row: for each row, the number of its owner.
        centroids: each owner's normalised centroid.
        candidates: how many centroids each search asks their graph for (rows: half as many;
            the best row weighs less in the score, and four rows name ~one entry each).
    """

    def __init__(
        self,
        rows: NDArray[np.float32],
        owner_of_row: NDArray[np.int64],
        centroids: NDArray[np.float32],
        candidates: int,
    ) -> None:
        self._owner_of_row = owner_of_row
        self._candidates = candidates
        self._row_candidates = max(1, candidates // 2)
        self._rows = _graph(
            rows,
            self._row_candidates,
            _ROW_NEIGHBOURS,
            _ROW_EF_CONSTRUCTION,
            _ROW_EF_SEARCH,
        )
        self._centroids = _graph(
            centroids,
            candidates,
            _CENTROID_NEIGHBOURS,
            _CENTROID_EF_CONSTRUCTION,
            _CENTROID_EF_SEARCH,
        )

    def search(self, vector: NDArray[np.float32]) -> Found:
        """The owners of the rows and centroids nearest ``vector``, and the scores of the
        last row and centroid found (``-inf`` when every one was found)."""
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        row_scores, rows = self._rows.search(query, self._row_candidates)
        centroid_scores, owners = self._centroids.search(query, self._candidates)
        rows, owners = rows[0], owners[0]
        found = np.concatenate([self._owner_of_row[rows[rows >= 0]], owners[owners >= 0]])
        return Found(
            np.unique(found), _last(row_scores[0], rows), _last(centroid_scores[0], owners)
        )

    def owners(self, vector: NDArray[np.float32]) -> NDArray[np.int64]:
        """The owners (ascending, no repeats) of the rows and centroids nearest ``vector``."""
        return self.search(vector).owners


@dataclass(frozen=True)
class Found:
    """What the graphs found for one query."""

    owners: NDArray[np.int64]  # ascending, no repeats
    row_floor: float  # the score of the last row found (-inf: there are no more rows)
    centroid_floor: float  # the same for the centroids


def _last(scores: NDArray[np.float32], found: NDArray[np.int64]) -> float:
    """The lowest score found, or -inf when fewer than were asked for exist."""
    if len(found) == 0 or found[-1] < 0:
        return float("-inf")
    return float(scores[-1])


def _graph(
    vectors: NDArray[np.float32],
    candidates: int,
    neighbours: int,
    ef_construction: int,
    ef_search: int,
) -> Any:
    import faiss  # a second of import time: only where a graph is built

    index = faiss.IndexHNSWSQ(
        vectors.shape[1],
        faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]  # SWIG stub: one overload only
        neighbours,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.hnsw.efConstruction = ef_construction
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index.train(data)
    index.add(data)
    index.hnsw.efSearch = max(ef_search, candidates)  # the beam holds what is asked for
    return index
