"""The semantic FAQ index: every question (and answer) of every entry in a faiss index.

An entry's score for a shopper question is ``w * best row + (1 - w) * centroid`` over its rows
in all languages (:class:`bot.embeddings.GroupedRows`; the best row as a soft maximum,
``retrieval.row_temperature``), minus a small lexical penalty for Finnish and Swedish
(:mod:`bot.faq.lexical`). Questions are embedded with e5's ``query: `` prompt, answers with
``passage: `` (``retrieval.answer_prompt``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.embeddings import EmbeddingCache, GroupedRows
from bot.faq.approximate import ApproximateCandidates
from bot.faq.colloquial import Colloquial, shipped_forms
from bot.faq.diacritics import DiacriticRestorer
from bot.faq.lexical import LexicalRow, LexicalScorer, LexicalSignals
from bot.faq.loader import Faq
from bot.faq.settings import RetrievalSettings

if TYPE_CHECKING:
    from numpy.typing import NDArray

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Match:
    """An entry's score for one question."""

    id: str
    score: float
    # idf share of the question's words the entry's texts use (bot.faq.lexical.LexicalSignals);
    # 1.0 when no text was given to search with
    coverage: float = 1.0
    # the entry's BM25 over the best entry's (1.0: lexically best); 1.0 for every entry when
    # no text was given, so no entry then stands out lexically
    lexical: float = 1.0


@dataclass(frozen=True)
class Row:
    """One indexed text."""

    entry: int
    lang: str
    kind: str  # "question", "shopper" (an accepted shopper question) or "answer"
    text: str


class FaqIndex:
    """Scores every FAQ entry against a question."""

    def __init__(self, faq: Faq, cache: EmbeddingCache, settings: RetrievalSettings) -> None:
        self.faq = faq
        self.settings = settings
        self._cache = cache
        self.rows = self._index_rows(faq)
        texts = _texts_by_language(faq)
        self._restorer = DiacriticRestorer(texts)
        self._colloquial = (
            Colloquial(shipped_forms(), texts) if settings.colloquial != "off" else None
        )
        self._lexical = LexicalScorer(
            [LexicalRow(row.entry, row.lang, row.text) for row in self.rows],
            len(faq.entries),
            settings.lexical_terms,
            expand={str(lang): weight for lang, weight in settings.lexical_expand.items()},
        )
        if not self.rows:
            raise ValueError("the FAQ has no questions to index")
        self._ids = [entry.id for entry in faq.entries]
        vectors = self._embed_rows(cache)
        self._vectors = GroupedRows(vectors, [row.entry for row in self.rows], len(faq.entries))
        self._approximate: ApproximateCandidates | None = None
        limit = settings.approximate_above
        # the candidates are ranked by the best row: with a soft maximum over the rows
        # (row_temperature above 0) every entry is scored
        if limit is not None and len(faq.entries) > limit and settings.row_temperature <= 0:
            self._approximate = ApproximateCandidates(
                self._vectors.vectors,
                self._vectors.owner_of_row,
                self._vectors.centroids,
                settings.approximate_candidates,
            )

    @property
    def approximate(self) -> bool:
        """Whether the live search (``top_k`` set) scores only candidate entries."""
        return self._approximate is not None

    def normalise(self, text: str) -> str:
        """The form texts are embedded in (both FAQ rows and questions)."""
        text = _SPACES.sub(" ", text).strip()
        return text.lower() if self.settings.lowercase else text

    def _embed_rows(self, cache: EmbeddingCache) -> NDArray[np.float32]:
        """Every row's embedding: questions as queries, answers as ``answer_prompt`` says."""
        if self.settings.answer_prompt == "query":
            return cache.encode([row.text for row in self.rows])
        passages = [number for number, row in enumerate(self.rows) if row.kind == "answer"]
        queries = [number for number, row in enumerate(self.rows) if row.kind != "answer"]
        vectors = np.zeros((len(self.rows), 0), dtype=np.float32)
        for numbers, encode in ((queries, cache.encode), (passages, cache.encode_passages)):
            if numbers:
                embedded = encode([self.rows[i].text for i in numbers])
                if not vectors.shape[1]:
                    vectors = np.zeros((len(self.rows), embedded.shape[1]), dtype=np.float32)
                vectors[numbers] = embedded
        return vectors

    def _index_rows(self, faq: Faq) -> list[Row]:
        rows: list[Row] = []
        for number, entry in enumerate(faq.entries):
            for lang, questions in entry.questions.items():
                rows.extend(Row(number, lang, "question", self.normalise(q)) for q in questions)
            for lang, questions in entry.shopper_questions.items():
                rows.extend(Row(number, lang, "shopper", self.normalise(q)) for q in questions)
            if self.settings.include_answers:
                for lang, answer in entry.answer.items():
                    rows.append(Row(number, lang, "answer", self.normalise(answer)))
        return rows

    def query_text(self, text: str, lang: str | None = None) -> str:
        """The form a shopper question is embedded in: normalised like the rows, and with the
        diacritics of ``lang`` put back ("hur lang tid" -> "hur lång tid") when configured."""
        if self.settings.restore_diacritics:
            text = self._restorer.restore(text, lang)
        if self._colloquial is not None and self.settings.colloquial == "both":
            text = self._colloquial.standard(text, lang)
        return self.normalise(text)

    def _lexical_signals(
        self, text: str, lang: str | None, leave_out: int | None
    ) -> LexicalSignals:
        """The lexical signals of ``text`` (spoken forms written out when ``colloquial`` is
        ``lexical``; with ``both`` :meth:`query_text` already did)."""
        if self._colloquial is not None and self.settings.colloquial == "lexical":
            text = self._colloquial.standard(text, lang)
        return self._lexical.signals(text, lang or "", leave_out)

    @property
    def model_name(self) -> str:
        """The name of the encoder that embedded the rows (it names model and engine)."""
        return self._cache.encoder.name

    def embed(self, text: str, lang: str | None = None) -> NDArray[np.float32]:
        """Embed one shopper question written in ``lang`` (see :meth:`query_text`)."""
        return self._cache.encoder.encode([self.query_text(text, lang)])[0]

    def search_many(
        self, questions: Sequence[tuple[str, str | None]], top_k: int | None = None
    ) -> list[list[Match]]:
        """:meth:`search` for many ``(text, lang)`` questions, embedded in batches."""
        if not questions:
            return []
        queries = [self.query_text(text, lang) for text, lang in questions]
        vectors = self._cache.encode(queries)  # kept: calibration asks the same ones again
        return [
            self.search_vector(vector, text=query, lang=lang, top_k=top_k)
            for vector, query, (_, lang) in zip(vectors, queries, questions, strict=True)
        ]

    def search(
        self, text: str, lang: str | None = None, top_k: int | None = None, within: float = 0.0
    ) -> list[Match]:
        """The entries, best first, scored against ``text`` (a question in ``lang``); see
        :meth:`search_vector` for ``top_k`` and ``within``."""
        query = self.query_text(text, lang)
        vector = self._cache.encoder.encode([query])[0]
        return self.search_vector(vector, text=query, lang=lang, top_k=top_k, within=within)

    def search_vector(
        self,
        vector: NDArray[np.float32],
        leave_out: int | None = None,
        text: str | None = None,
        lang: str | None = None,
        top_k: int | None = None,
        within: float = 0.0,
        approximate: bool = True,
    ) -> list[Match]:
        """The entries scored against an embedded question, best first (ties: FAQ order).

        With ``retrieval.row_temperature`` above 0, "best" is the ranking with a soft maximum
        over each entry's rows, while :attr:`Match.score` stays the score with its best row,
        the scale the thresholds are derived on: the scores then need not fall in list order,
        and a first entry scoring below the second one (the two signals disagree) gets a
        negative margin, so it is offered with the others rather than answered.

        Args:
            vector: the question's embedding.
            leave_out: a row to ignore entirely (leave-one-question-out calibration).
            text: the question as embedded (:meth:`query_text`), for the lexical score.
            lang: the question's language; with ``text``, adds the lexical score and each
                entry's word coverage (:attr:`Match.coverage`).
            top_k: only the ``top_k`` best entries (None: every entry). They are exactly the
                first ``top_k`` of the full list, scores and order included.
            within: with ``top_k``, also every further entry scoring within ``within`` of the
                first entry (``first - score <= within``), as the clarify window reads them.
            approximate: False to score every entry even above ``approximate_above``.

        Above ``retrieval.approximate_above`` entries, a search with ``top_k`` (and no
        ``leave_out``) scores only candidate entries (:mod:`bot.faq.approximate`), each exactly
        as here; the result is then the candidates' head, which the exact one is only likely to
        equal.
        """
        if (
            approximate
            and self._approximate is not None
            and top_k is not None
            and leave_out is None
        ):
            return self._search_candidates(vector, text, lang, max(top_k, 1), within)
        combined, coverage, lexical, rank = self._scores(vector, leave_out, text, lang)
        if top_k is None or top_k >= len(combined):
            order: NDArray[np.intp] = np.argsort(-rank, kind="stable")
        else:
            order = _best_first(rank, max(top_k, 1), within, combined)
        return self._matches(order, combined[order], coverage, lexical)

    def _search_candidates(
        self,
        vector: NDArray[np.float32],
        text: str | None,
        lang: str | None,
        top_k: int,
        within: float,
    ) -> list[Match]:
        """:meth:`search_vector`'s head from candidate entries only (the approximate path).

        The graphs give the entries of the nearest rows and centroids. An entry they did not
        give scores (before the lexical penalty) at most ``bound``, what the last row and
        centroid they gave would make; it can still reach the top k only if its BM25 lifts it
        to the k-th best candidate's score, so the entries with at least that BM25 are scored
        too (at most ``approximate_candidates`` of them, the lexically best first). Entries
        within the clarify window but below the top k come from the candidates only.
        """
        assert self._approximate is not None
        found = self._approximate.search(vector)
        weight = self.settings.best_row_weight
        candidates = found.owners
        combined: NDArray[np.floating[Any]] = self._vectors.owner_scores(vector, candidates, weight)
        coverage: NDArray[np.floating[Any]] = np.ones(len(self.faq.entries), dtype=np.float32)
        lexical: NDArray[np.floating[Any]] = coverage
        lexical_weight = self._lexical_weight(lang)
        if text is not None:
            signals = self._lexical_signals(text, lang, None)
            coverage, lexical = signals.coverage, signals.bm25
            if lexical_weight > 0:
                combined = combined - lexical_weight * (1.0 - signals.bm25[candidates])
                bound = weight * found.row_floor + (1.0 - weight) * found.centroid_floor
                head = min(top_k, len(combined))
                floor = float(np.partition(combined, -head)[-head])
                needed = 1.0 - (bound - floor) / lexical_weight
                lifted = np.setdiff1d(
                    np.flatnonzero(signals.bm25 >= max(needed, np.finfo(np.float32).tiny)),
                    candidates,
                    assume_unique=True,
                )
                most = self.settings.approximate_candidates
                if len(lifted) > most:
                    lifted = lifted[np.argpartition(-signals.bm25[lifted], most - 1)[:most]]
                if len(lifted):
                    extra: NDArray[np.floating[Any]] = self._vectors.owner_scores(
                        vector, lifted, weight
                    )
                    extra = extra - lexical_weight * (1.0 - signals.bm25[lifted])
                    candidates = np.concatenate([candidates, lifted])
                    combined = np.concatenate([combined, extra])
                    ascending = np.argsort(candidates, kind="stable")
                    candidates, combined = candidates[ascending], combined[ascending]
        # candidates ascend, so ties still go in FAQ order
        order = candidates[_best_first(combined, top_k, within)]
        position = np.searchsorted(candidates, order)
        return self._matches(order, combined[position], coverage, lexical)

    def _matches(
        self,
        order: NDArray[np.intp],
        scores: NDArray[np.floating[Any]],
        coverage: NDArray[np.floating[Any]],
        lexical: NDArray[np.floating[Any]],
    ) -> list[Match]:
        """The entries of ``order`` as matches; ``scores`` are already in that order."""
        ids = self._ids
        # tolist() gives the same Python floats as float() of each numpy scalar, in one call
        return [
            Match(ids[i], score, cover, lex)
            for i, score, cover, lex in zip(
                order.tolist(),
                scores.tolist(),
                coverage[order].tolist(),
                lexical[order].tolist(),
                strict=True,
            )
        ]

    def _lexical_weight(self, lang: str | None) -> float:
        return next((w for code, w in self.settings.lexical_weight.items() if code == lang), 0.0)

    def _scores(
        self,
        vector: NDArray[np.float32],
        leave_out: int | None,
        text: str | None,
        lang: str | None,
    ) -> tuple[
        NDArray[np.floating[Any]],
        NDArray[np.floating[Any]],
        NDArray[np.floating[Any]],
        NDArray[np.floating[Any]],
    ]:
        """Every entry's combined score, word coverage, relative BM25 and ranking score (the
        combined score with the soft maximum over its rows; see :meth:`search_vector`)."""
        hard, soft = self._vectors.soft_scores(
            vector, self.settings.best_row_weight, leave_out, self.settings.row_temperature
        )
        combined: NDArray[np.floating[Any]] = hard
        rank: NDArray[np.floating[Any]] = soft
        lexical_weight = self._lexical_weight(lang)
        coverage: NDArray[np.floating[Any]] = np.ones(len(self.faq.entries), dtype=np.float32)
        lexical: NDArray[np.floating[Any]] = coverage
        if text is not None:
            signals = self._lexical_signals(text, lang, leave_out)
            coverage, lexical = signals.coverage, signals.bm25
            if lexical_weight > 0:
                # a penalty for entries with less lexical support than the best one: the
                # lexically best entry keeps its score, so thresholds stay on the embedding's scale
                penalty = lexical_weight * (1.0 - signals.bm25)
                combined, rank = combined - penalty, rank - penalty
        return combined, coverage, lexical, rank

    def editors_only(self) -> FaqIndex:
        """This index without the shoppers' accepted questions (itself when it has none): the
        thresholds are derived on it. Shoppers' questions are the ones the bot was unsure about
        (they were picked from its buttons), so as calibration questions they would move the
        thresholds away from the editors' FAQ (docs/quality.md, "phrasings from shoppers")."""
        if not self.faq.has_shopper_questions:
            return self
        return FaqIndex(self.faq.editors_only(), self._cache, self.settings)

    def question_rows(self) -> list[int]:
        """Row numbers of all question rows (for leave-one-question-out)."""
        return [number for number, row in enumerate(self.rows) if row.kind == "question"]

    def row_vector(self, row: int) -> NDArray[np.float32]:
        """The stored embedding of ``row``."""
        return self._vectors.vectors[row]


def _texts_by_language(faq: Faq) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for entry in faq.entries:
        for lang, questions in entry.questions.items():
            texts.setdefault(lang, []).extend(questions)
        for lang, answer in entry.answer.items():
            texts.setdefault(lang, []).append(answer)
    return texts


def _best_first(
    scores: NDArray[np.floating[Any]],
    top_k: int,
    within: float,
    reported: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.intp]:
    """The indices of the ``top_k`` best ``scores`` and of any further entry whose ``reported``
    score (default: ``scores``) is within ``within`` of the first entry's, best first, ties in
    index order: exactly the head of a stable ``argsort`` of ``-scores``, without sorting every
    score."""
    top_k = min(top_k, len(scores))
    # the k-th best score; whatever beats it is in, and ties at it are taken in index order
    kth = scores[np.argpartition(-scores, top_k - 1)[top_k - 1]]
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)[: top_k - len(above)]
    chosen = np.concatenate([above, tied])
    if within > 0:
        reported = scores if reported is None else reported
        # in float64, as the callers subtract Python floats (top.score - m.score <= window)
        first = float(reported[int(np.argmax(scores))])
        close = np.flatnonzero(first - reported.astype(np.float64) <= within)
        chosen = np.union1d(chosen, close)
    # lexsort sorts by the last key first; the index breaks ties as the stable argsort does
    return chosen[np.lexsort((chosen, -scores[chosen]))]
