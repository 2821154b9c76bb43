"""The semantic FAQ index: every question (and answer) of every entry in a faiss index.

An entry's score for a shopper question is ``w * best row + (1 - w) * centroid``, where the
centroid is the normalised mean of all the entry's rows across languages. Multilingual e5 clusters
by language, so the cross-language centroid lets a Finnish question match an entry whose wording
was best in Swedish, while the best row keeps exact phrasings strong (see the retrieval research).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from bot.diacritics import DiacriticRestorer
from bot.faq.loader import Faq
from bot.lexical import LexicalRow, LexicalScorer
from bot.settings import RetrievalSettings

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.encoder import Encoder

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Match:
    """An entry's score for one question."""

    id: str
    score: float


@dataclass(frozen=True)
class Row:
    """One indexed text."""

    entry: int
    lang: str
    kind: str  # "question" or "answer"
    text: str


class EmbeddingCache:
    """Remembers embeddings by text, so a FAQ edit or a restart only embeds new rows.

    With ``path`` set, the cache is also kept on disk (one file per model), which makes the
    action server's start and every ``faqbot faq ...`` command fast after the first run.
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

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
        texts = np.array(list(self._vectors), dtype=str)
        np.savez(temporary, texts=texts, vectors=np.stack(list(self._vectors.values())))
        os.replace(temporary, self.path)


class FaqIndex:
    """Scores every FAQ entry against a question."""

    def __init__(self, faq: Faq, cache: EmbeddingCache, settings: RetrievalSettings) -> None:
        self.faq = faq
        self.settings = settings
        self._cache = cache
        self.rows = self._rows(faq)
        self._restorer = DiacriticRestorer(_texts_by_language(faq))
        self._lexical = LexicalScorer(
            [LexicalRow(row.entry, row.lang, row.text) for row in self.rows], len(faq.entries)
        )
        if not self.rows:
            raise ValueError("the FAQ has no questions to index")
        vectors = cache.encode([row.text for row in self.rows])
        self._row_vectors = vectors
        self._row_entry = np.array([row.entry for row in self.rows], dtype=np.int64)
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        self._index.add(vectors)
        sums = np.zeros((len(faq.entries), vectors.shape[1]), dtype=np.float32)
        np.add.at(sums, self._row_entry, vectors)
        self._centroid_sums = sums
        self._centroids = _normalise(sums)

    def normalise(self, text: str) -> str:
        """The form texts are embedded in (both FAQ rows and questions)."""
        text = _SPACES.sub(" ", text).strip()
        return text.lower() if self.settings.lowercase else text

    def _rows(self, faq: Faq) -> list[Row]:
        rows: list[Row] = []
        for number, entry in enumerate(faq.entries):
            for lang, questions in entry.questions.items():
                rows.extend(Row(number, lang, "question", self.normalise(q)) for q in questions)
            if self.settings.include_answers:
                for lang, answer in entry.answer.items():
                    rows.append(Row(number, lang, "answer", self.normalise(answer)))
        return rows

    def query_text(self, text: str, lang: str | None = None) -> str:
        """The form a shopper question is embedded in: normalised like the rows, and with the
        diacritics of ``lang`` put back ("hur lang tid" -> "hur lång tid") when configured."""
        if self.settings.restore_diacritics:
            text = self._restorer.restore(text, lang)
        return self.normalise(text)

    def embed(self, text: str, lang: str | None = None) -> NDArray[np.float32]:
        """Embed one shopper question written in ``lang`` (see :meth:`query_text`)."""
        return self._cache.encoder.encode([self.query_text(text, lang)])[0]

    def search(self, text: str, lang: str | None = None) -> list[Match]:
        """All entries, best first, scored against ``text`` (a question in ``lang``)."""
        query = self.query_text(text, lang)
        vector = self._cache.encoder.encode([query])[0]
        return self.search_vector(vector, text=query, lang=lang)

    def search_vector(
        self,
        vector: NDArray[np.float32],
        leave_out: int | None = None,
        text: str | None = None,
        lang: str | None = None,
    ) -> list[Match]:
        """All entries scored against an embedded question.

        Args:
            vector: the question's embedding.
            leave_out: a row to ignore entirely (leave-one-question-out calibration).
            text: the question as embedded (:meth:`query_text`), for the lexical score.
            lang: the question's language; with ``text``, adds the lexical score.
        """
        count = len(self.rows)
        scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), count)
        best = np.full(len(self.faq.entries), -1.0, dtype=np.float32)
        for score, row in zip(scores[0], ids[0], strict=True):
            if row < 0 or row == leave_out:
                continue
            entry = self._row_entry[row]
            best[entry] = max(best[entry], score)
        centroids = self._centroids
        if leave_out is not None:
            centroids = self._centroids.copy()
            entry = self._row_entry[leave_out]
            reduced = self._centroid_sums[entry] - self._row_vectors[leave_out]
            centroids[entry] = _normalise(reduced[None, :])[0]
        weight = self.settings.best_row_weight
        combined = weight * best + (1.0 - weight) * (centroids @ vector)
        lexical_weight = next(
            (w for code, w in self.settings.lexical_weight.items() if code == lang), 0.0
        )
        if text is not None and lexical_weight > 0:
            # a penalty for entries with less lexical support than the best one: the lexically
            # best entry keeps its score, so thresholds stay on the embedding's scale
            lexical = self._lexical.scores(text, lang or "", leave_out)
            combined = combined - lexical_weight * (1.0 - lexical)
        order = np.argsort(-combined, kind="stable")
        return [Match(self.faq.entries[i].id, float(combined[i])) for i in order]

    def question_rows(self) -> list[int]:
        """Row numbers of all question rows (for leave-one-question-out)."""
        return [number for number, row in enumerate(self.rows) if row.kind == "question"]

    def row_vector(self, row: int) -> NDArray[np.float32]:
        """The stored embedding of ``row``."""
        return self._row_vectors[row]


def _texts_by_language(faq: Faq) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for entry in faq.entries:
        for lang, questions in entry.questions.items():
            texts.setdefault(lang, []).extend(questions)
        for lang, answer in entry.answer.items():
            texts.setdefault(lang, []).append(answer)
    return texts


def _normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
