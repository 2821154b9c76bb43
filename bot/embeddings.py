"""Embeddings kept between runs, and the scoring of rows grouped by what they describe.

Both the FAQ index (rows = an entry's questions and answers) and product search (rows = a
product's names and descriptions) score an owner as ``w * best row + (1 - w) * centroid``,
where the centroid is the normalised mean of all the owner's rows. Multilingual e5 clusters by
language, so the cross-language centroid lets a Finnish question match an owner whose wording
was best in Swedish, while the best row keeps exact phrasings strong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.encoder import PassageEncoder

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.encoder import Encoder

# the cache key of a passage embedding: a control character no shopper's text or FAQ row has
_PASSAGE = "\x1fpassage\x1f"


class EmbeddingCache:
    """Remembers embeddings by text, so an edit or a restart only embeds new rows.

    With ``path`` set, the cache is also kept on disk (one file per model and kind of text, see
    :func:`bot.cache.embeddings_file`), which makes the action server's start and every
    ``faqbot ...`` command fast after the first run.
    """

    def __init__(self, encoder: Encoder, path: Path | None = None) -> None:
        self.encoder = encoder
        self.path = path
        self._vectors: dict[str, NDArray[np.float32]] = self._load(path) if path else {}

    @staticmethod
    def _load(path: Path) -> dict[str, NDArray[np.float32]]:
        try:
            with np.load(path, allow_pickle=False) as data:
                return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError):  # missing or unreadable: start afresh
            return {}

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embeddings of ``texts``, computing only the ones not seen before."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                self._vectors[text] = vector
            self._save()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def encode_passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Embeddings of ``texts`` as passages (e5's ``passage: `` prompt, see
        :class:`bot.encoder.PassageEncoder`); an encoder without passages embeds them as
        :meth:`encode` does. Kept apart from the query embeddings of the same texts."""
        keys = [_PASSAGE + text for text in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            plain = [key.removeprefix(_PASSAGE) for key in missing]
            encoder = self.encoder
            vectors = (
                encoder.encode_passages(plain)
                if isinstance(encoder, PassageEncoder)
                else encoder.encode(plain)
            )
            for key, vector in zip(missing, vectors, strict=True):
                self._vectors[key] = vector
            self._save()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
        texts = np.array(list(self._vectors), dtype=str)
        np.savez(temporary, texts=texts, vectors=np.stack(list(self._vectors.values())))
        os.replace(temporary, self.path)


class GroupedRows:
    """Embedded rows, each belonging to one of ``owners`` owners, scored exhaustively.

    Args:
        vectors: the rows' embeddings, one per row, L2-normalised.
        owner_of_row: for each row, the number of its owner (0 .. owners - 1).
        owners: how many owners there are (an owner may have no rows).
    """

    def __init__(
        self, vectors: NDArray[np.float32], owner_of_row: Sequence[int], owners: int
    ) -> None:
        # contiguous float32: faiss reads the rows in place (no copy in a faiss index)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.owner_of_row = np.asarray(owner_of_row, dtype=np.int64)
        self.owners = owners
        import faiss  # a second of import time: only where an index is built

        self._faiss = faiss
        sums = np.zeros((owners, vectors.shape[1]), dtype=np.float32)
        np.add.at(sums, self.owner_of_row, vectors)
        self._centroid_sums = sums
        self._centroids = normalise(sums)
        # each owner's rows, for scoring a few owners (owner_scores): rows by owner, and where
        # each owner's run starts
        self._rows_by_owner = np.argsort(self.owner_of_row, kind="stable")
        self._owner_starts = np.searchsorted(
            self.owner_of_row[self._rows_by_owner], np.arange(owners + 1)
        )

    @property
    def centroids(self) -> NDArray[np.float32]:
        """Each owner's normalised centroid (all-zero for an owner without rows)."""
        return self._centroids

    def scores(
        self, vector: NDArray[np.float32], best_row_weight: float, leave_out: int | None = None
    ) -> NDArray[np.float32]:
        """Each owner's ``w * best row + (1 - w) * centroid`` similarity to ``vector``.

        Args:
            vector: the embedded query.
            best_row_weight: ``w``.
            leave_out: a row to ignore entirely, in the best row and in its owner's centroid
                (leave-one-question-out calibration).
        """
        return self.soft_scores(vector, best_row_weight, leave_out, 0.0)[0]

    def soft_scores(
        self,
        vector: NDArray[np.float32],
        best_row_weight: float,
        leave_out: int | None,
        temperature: float,
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """:meth:`scores`, and the same with a soft maximum of each owner's rows in place of
        its best row: ``t * log(mean(exp(row / t)))``, between the best row and the mean of
        the rows, so a second close row counts too (the mean keeps it independent of how many
        rows an owner has). With ``temperature`` 0 both are :meth:`scores`.
        """
        row_scores = self.row_scores(vector)
        if leave_out is not None:
            row_scores[leave_out] = -np.inf
        best = np.full(self.owners, -1.0, dtype=np.float32)
        np.maximum.at(best, self.owner_of_row, row_scores)
        centroids = self._centroids
        if leave_out is not None:
            centroids = self._centroids.copy()
            owner = self.owner_of_row[leave_out]
            reduced = self._centroid_sums[owner] - self.vectors[leave_out]
            centroids[owner] = normalise(reduced[None, :])[0]
        centroid = (1.0 - best_row_weight) * (centroids @ vector)
        hard = (best_row_weight * best + centroid).astype(np.float32)
        if temperature <= 0:
            return hard, hard
        soft = best_row_weight * self._soft_best(row_scores, best, temperature) + centroid
        return hard, soft.astype(np.float32)

    def _soft_best(
        self, row_scores: NDArray[np.float32], best: NDArray[np.float32], temperature: float
    ) -> NDArray[np.float32]:
        """Each owner's ``t * log(mean(exp(row / t)))`` over its rows (a left-out row, scored
        ``-inf``, is not counted); owners without rows keep ``best``."""
        owners = self.owner_of_row
        usable = np.isfinite(row_scores)
        # shifted by the owner's best row, so exp never overflows (and the best row gives 1)
        shifted = np.where(usable, row_scores - best[owners], -np.inf).astype(np.float64)
        sums = np.bincount(owners, weights=np.exp(shifted / temperature), minlength=self.owners)
        counts = np.bincount(owners, weights=usable.astype(np.float64), minlength=self.owners)
        have = counts > 0
        soft = best.astype(np.float64)
        soft[have] += temperature * np.log(sums[have] / counts[have])
        return soft.astype(np.float32)

    def owner_scores(
        self, vector: NDArray[np.float32], owners: NDArray[np.int64], best_row_weight: float
    ) -> NDArray[np.float32]:
        """:meth:`scores` of ``owners`` only, reading only their rows and centroids.

        The same values as ``scores(vector, best_row_weight)[owners]``, the best row bit for
        bit (the same faiss kernel), the centroid term but for its last bit
        (tests/bot/faq/test_index_approximate.py).
        """
        starts, ends = self._owner_starts[owners], self._owner_starts[owners + 1]
        counts = ends - starts
        # the positions of the owners' rows in _rows_by_owner, owner after owner
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        rows = self._rows_by_owner[offsets + np.arange(int(counts.sum()))]
        row_scores = _inner_products(self._faiss, vector, self.vectors[rows])
        # each owner's rows are one run: a max per run (ufunc.at costs ~1 ms per 1,000 rows)
        best = np.full(len(owners), -1.0, dtype=np.float32)
        has_rows = counts > 0
        if has_rows.any():
            firsts = (np.cumsum(counts) - counts)[has_rows]
            best[has_rows] = np.maximum(np.maximum.reduceat(row_scores, firsts), -1.0)
        # faiss's kernel, not numpy's matrix product: that one may hand a few hundred rows to
        # OpenBLAS threads, which costs milliseconds on a busy machine; either rounds the last
        # bit differently from the product over every centroid in scores()
        centroid = _inner_products(self._faiss, vector, self._centroids[owners])
        combined = best_row_weight * best + (1.0 - best_row_weight) * centroid
        return combined.astype(np.float32)

    def row_scores(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        """Every row's inner product with ``vector``, in row order.

        faiss's own kernel (``fvec_inner_products_ny``, what an ``IndexFlatIP`` search of one
        query computes each row's score with, so the values are bit for bit those of
        ``index.search``), without the search's sorting of every row.
        """
        return _inner_products(self._faiss, vector, self.vectors)


def _inner_products(faiss: Any, vector: NDArray[np.float32], rows: NDArray[np.float32]) -> Any:
    """Each of ``rows``' inner product with ``vector``, by faiss's kernel."""
    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
    rows = np.ascontiguousarray(rows, dtype=np.float32)
    count, dimensions = rows.shape
    if query.shape[0] != dimensions:
        raise ValueError(f"a {query.shape[0]}-dimensional query for {dimensions}-d rows")
    found = np.empty(count, dtype=np.float32)
    if count:
        swig_ptr = faiss.swig_ptr
        faiss.fvec_inner_products_ny(
            swig_ptr(found), swig_ptr(query), swig_ptr(rows), dimensions, count
        )
    return found


def normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
