"""BM25 over each entry's own-language texts: a lexical signal for fi and sv.

Finnish and Swedish build long compounds and inflect heavily ("palautuksen", "rabattkoden"), and
e5-small splits those into many sub-words; their base forms still match the FAQ's wording. Words
are Snowball stems (``lexical_terms: stems``, the default) or simplemma lemmas ("ångerrätten" ->
ångerrätt; ``lemmas``), and with ``+split`` a compound is also split into two parts that the
FAQ itself uses ("toimituskulut" -> toimitus, kulu), so a sparse FAQ's few words go further. Added
to the embedding score with a small
per-language weight (``retrieval.lexical_weight``); English, where e5 is strongest, gets none.
Figures: docs/quality.md, "What was tried".
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simplemma
import snowballstemmer

from bot.language import WORD, within_one_edit

_STEMMERS = {"fi": "finnish", "sv": "swedish", "en": "english"}
_K1, _B = 1.2, 0.75  # the usual BM25 constants
_SPLIT_LANGS = ("fi", "sv")  # compounding languages simplemma has lemmas for
_PART = 3  # shortest compound part
_LONGEST_COMPOUND = 40
_EXPANSIONS_KEPT = 65536
_EXPAND_FROM = 5  # shortest word expanded (shorter ones are one edit from too many)
_NONE = np.zeros(0, dtype=np.int64)


@functools.lru_cache(maxsize=65536)
def _lemma(word: str, lang: str) -> str:
    return str(simplemma.lemmatize(word, lang=lang)).lower()


@dataclass(frozen=True)
class LexicalSignals:
    """Per entry: BM25 divided by the best entry's, and word coverage of the question.

    Coverage is the idf-weighted share of the question's words (stems or lemmas) that the
    entry's texts in the question's language use; words no entry uses count against every
    entry, so an off-topic message covers little of any entry (0 … 1; 0 for no words).
    """

    bm25: np.ndarray
    coverage: np.ndarray


@dataclass(frozen=True)
class LexicalRow:
    """One text of an entry, in one language."""

    entry: int
    lang: str
    text: str


class LexicalScorer:
    """Scores every entry against a question by BM25 over the entry's texts in its language."""

    def __init__(
        self,
        rows: Sequence[LexicalRow],
        entries: int,
        mode: str = "stems",
        expand: Mapping[str, float] | None = None,
    ) -> None:
        self._entries = entries
        self._expand = {lang: weight for lang, weight in (expand or {}).items() if weight > 0}
        self._expansions: dict[tuple[str, str], list[str]] = {}
        self._lemmas = mode.startswith("lemmas")
        self._stemmers: dict[str, Any] = {
            lang: snowballstemmer.stemmer(name) for lang, name in _STEMMERS.items()
        }
        self._vocab: dict[str, set[str]] = {}
        self._words: dict[str, set[str]] = {}
        if mode.endswith("+split"):  # the FAQ's own words are the parts compounds split into
            for row in rows:
                if row.lang in _SPLIT_LANGS:
                    words = [w for w in WORD.findall(row.text.lower()) if len(w) >= _PART]
                    self._words.setdefault(row.lang, set()).update(words)
                    self._vocab.setdefault(row.lang, set()).update(self._base(words, row.lang))
        self._row_terms = [Counter(self.terms(row.text, row.lang)) for row in rows]
        # expansion: the FAQ's words per language, by length, and each one's base term
        self._faq_words: dict[str, dict[str, str]] = {}
        self._by_length: dict[str, dict[int, list[str]]] = {}
        self._by_lemma: dict[str, dict[str, set[str]]] = {}
        if self._expand:
            for row in (row for row in rows if row.lang in self._expand):
                known = self._faq_words.setdefault(row.lang, {})
                for word in WORD.findall(row.text.lower()):
                    if len(word) >= _PART and word not in known:
                        known[word] = self._base([word], row.lang)[0]
            for lang, known in self._faq_words.items():
                by_length = self._by_length.setdefault(lang, {})
                for word in known:
                    by_length.setdefault(len(word), []).append(word)
                if lang in _SPLIT_LANGS:
                    by_lemma = self._by_lemma.setdefault(lang, {})
                    for word, term in known.items():
                        by_lemma.setdefault(_lemma(word, lang), set()).add(term)
        self._rows = list(rows)
        # an inverted index per language: term -> (entries that use it, how often), so a
        # question costs its terms' postings, not a pass over every entry per term
        counts: dict[str, dict[str, Counter[int]]] = {lang: {} for lang in self._stemmers}
        lengths = {lang: np.zeros(entries, dtype=np.int64) for lang in self._stemmers}
        for row, terms in zip(self._rows, self._row_terms, strict=True):
            for term, count in terms.items():
                counts[row.lang].setdefault(term, Counter())[row.entry] += count
            lengths[row.lang][row.entry] += sum(terms.values())
        self._postings: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {
            lang: {
                term: (
                    np.fromiter(users, dtype=np.int64, count=len(users)),
                    np.fromiter(users.values(), dtype=np.int64, count=len(users)),
                )
                for term, users in by_term.items()
            }
            for lang, by_term in counts.items()
        }
        self._lengths = lengths
        # each language's length norms, as signals() computes them (kept: at 100k entries
        # they cost a millisecond a question)
        self._norms = {lang: _norms(lengths[lang], entries) for lang in lengths}

    def terms(self, text: str, lang: str) -> list[str]:
        """The stemmed (or lemmatised) words of ``text``, plus the parts of its compounds."""
        words = WORD.findall(text.lower())
        terms = self._base(words, lang)
        vocab = self._vocab.get(lang)
        if vocab:
            terms = terms + [part for word in words for part in self._split(word, lang, vocab)]
        return terms

    def _base(self, words: list[str], lang: str) -> list[str]:
        if self._lemmas and lang in _SPLIT_LANGS:
            return [_lemma(word, lang) for word in words]
        stemmer = self._stemmers.get(lang)
        return stemmer.stemWords(words) if stemmer else words

    def _split(self, word: str, lang: str, vocab: set[str]) -> list[str]:
        """The two parts of a compound when both are the FAQ's words ("palautus|aika"), the
        longest known first part winning; Swedish may link them with an s ("leverans|tid")."""
        words = self._words.get(lang, set())
        if len(word) > _LONGEST_COMPOUND:  # no real word: and splitting costs len(word) ** 2
            return []
        for cut in range(len(word) - _PART, _PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if lang == "sv" and head.endswith("s") and head[:-1] in words:
                head = head[:-1]
            if head not in words:
                continue
            base = self._base([head, tail], lang)
            if base[1] in vocab or tail in words:
                return base
        return []

    def _expanded(
        self, text: str, lang: str, query: dict[str, float], used: Callable[[str], bool]
    ) -> dict[str, float]:
        """``query`` with each word the FAQ does not use replaced by the FAQ's terms it
        stands for (:meth:`expansions`), when there are any, each weighing ``expand[lang]``."""
        expanded = dict(query)
        for word in WORD.findall(text.lower()):
            term = self._base([word], lang)[0]
            if used(term):
                continue
            found = [other for other in self.expansions(word, lang) if used(other)]
            if found:
                expanded.pop(term, None)
                for other in found:
                    expanded[other] = max(expanded.get(other, 0.0), self._expand[lang])
        return expanded

    def expansions(self, word: str, lang: str) -> list[str]:
        """The FAQ's terms an unknown ``word`` stands for: the parts of a compound of the FAQ's
        words ("palautusaika" -> palautus, aika), else the FAQ's words with its lemma or one
        edit away ("palautusta", "palatus" -> palautus), else the longest FAQ word of five
        letters or more that it begins with ("postitus" -> posti). Empty: none."""
        key = (word, lang)
        if key not in self._expansions:
            if len(self._expansions) >= _EXPANSIONS_KEPT:  # shoppers' words are unbounded
                self._expansions.clear()
            self._expansions[key] = self._find_expansions(word, lang)
        return self._expansions[key]

    def _find_expansions(self, word: str, lang: str) -> list[str]:
        known = self._faq_words.get(lang, {})
        if len(word) < _EXPAND_FROM or len(word) > _LONGEST_COMPOUND or not known:
            return []
        if lang in _SPLIT_LANGS:
            parts = _two_parts(word, lang, known)
            if parts:
                return [known[part] for part in parts]
        found: set[str] = set(self._by_lemma.get(lang, {}).get(_lemma(word, lang), set()))
        by_length = self._by_length.get(lang, {})
        for length in (len(word) - 1, len(word), len(word) + 1):
            for other in by_length.get(length, []):
                if other != word and within_one_edit(word, other):
                    found.add(known[other])
        found.discard(self._base([word], lang)[0])  # the word itself, as leave-one-out sees it
        if found:
            return sorted(found)
        for cut in range(len(word) - 1, _EXPAND_FROM - 1, -1):
            if word[:cut] in known:
                return [known[word[:cut]]]
        return []

    def scores(self, text: str, lang: str, leave_out: int | None = None) -> np.ndarray:
        """BM25 of ``text`` against every entry, divided by the best (0 … 1; all 0 when no
        word matches).

        Args:
            text: the question, normalised like the index's rows.
            lang: its language; only the entries' texts in that language count.
            leave_out: a row (by its position in ``rows``) to ignore (leave-one-question-out).
        """
        return self.signals(text, lang, leave_out).bm25

    def signals(self, text: str, lang: str, leave_out: int | None = None) -> LexicalSignals:
        """:meth:`scores` and each entry's word coverage of ``text``, in one pass."""
        result = np.zeros(self._entries, dtype=np.float32)
        covered = np.zeros(self._entries, dtype=np.float32)
        postings, lengths = self._postings.get(lang), self._lengths.get(lang)
        if postings is None or lengths is None:  # a language without texts: no evidence
            return LexicalSignals(result, np.ones(self._entries, dtype=np.float32))
        left_entry, left_out = -1, Counter[str]()
        norms = self._norms[lang]
        if leave_out is not None and self._rows[leave_out].lang == lang:
            left_entry, left_out = self._rows[leave_out].entry, self._row_terms[leave_out]
            lengths = lengths.copy()
            lengths[left_entry] -= sum(left_out.values())
            norms = _norms(lengths, self._entries)
        # term -> its weight (from a set: the order the scores were always summed in)
        query = dict.fromkeys(set(self.terms(text, lang)), 1.0)
        if lang in self._expand:

            def used(term: str) -> bool:  # by an entry, the left-out question aside
                users, counts = postings.get(term, (_NONE, _NONE))
                if left_out.get(term, 0):
                    counts = counts - np.where(users == left_entry, left_out[term], 0)
                return bool((counts > 0).any())

            query = self._expanded(text, lang, query, used)
        total_idf = 0.0
        for term, weight in query.items():
            users, counts = postings.get(term, (_NONE, _NONE))
            if left_out.get(term, 0):
                counts = counts - np.where(users == left_entry, left_out[term], 0)
                users, counts = users[counts > 0], counts[counts > 0]
            idf = weight * math.log(1 + (self._entries - len(users) + 0.5) / (len(users) + 0.5))
            total_idf += idf  # a word no entry uses counts too: it is what the FAQ lacks
            if len(users):
                # float64 per entry, then added in float32 as the accumulators always were
                gains = idf * counts * (_K1 + 1) / (counts + norms[users])
                result[users] += gains.astype(np.float32)
                covered[users] += np.float32(idf)
        best = float(result.max())
        bm25 = result / best if best > 0 else result
        coverage = covered / total_idf if total_idf > 0 else covered
        return LexicalSignals(bm25, coverage)


def _two_parts(word: str, lang: str, known: dict[str, str]) -> tuple[str, str] | None:
    """``word`` as two of the FAQ's words ("palautus|aika"; Swedish may link them with an s),
    the longest first part winning."""
    for cut in range(len(word) - _PART, _PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        if lang == "sv" and head.endswith("s") and head[:-1] in known:
            head = head[:-1]
        if head in known and tail in known:
            return head, tail
    return None


def _norms(lengths: np.ndarray, entries: int) -> np.ndarray:
    """BM25's length normalisation of each entry's texts in one language."""
    # Python's own int sum and float division, as the scores were always computed
    average = (sum(lengths.tolist()) / entries if entries else 0.0) or 1.0  # 0: no FAQ yet
    return _K1 * (1 - _B + _B * lengths / average)
