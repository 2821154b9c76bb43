"""Lexical product-name matching that survives typos and inflected Finnish (and Swedish) forms.

A message word matches a name word when it is the same word, an inflected form or compound of
it ("untuvatakkia", "Trail Runnereita", "dunjackan"), a consonant-gradated form ("teltan",
"rinkan"), one or two typos away ("vaelus", "revontulu"), or shares most character trigrams
with it. A product's lexical score is the F1 of how much of its name the message covers
(recall, IDF-weighted) and how much of the message's product words the name explains
(precision), so "Trail Runner GTX" beats "Trail Runner" only when "GTX" is said. The last
word of a name (the kind of product) weighs more; the first (the model name, "Revontuli") is
enough on its own for a weaker score, so "onko revontulta?" offers the Revontuli products.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.language import within_one_edit
from bot.shop.models import Product
from bot.shop.vocab import stems, tokens

_VOWELS = frozenset("aeiouy")
_PRODUCT_WORD = 0.4  # a message word at least this close to a name word is a "product word"
_HEAD_WEIGHT = 1.5  # the last word of a name (the kind of product: "paddle") counts more
_MODEL_NAME = 0.7  # "revontulta" alone: the model name without the kind of product
_MODEL_NAME_MATCH = 0.85  # ... said as itself or an inflected form (not a compound)
_NAMED = 0.75  # a message word this close to a name word names a product (typos included)


def _trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (edits, with adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        previous2, previous = previous, current
    return previous[-1]


def _name_stems(word: str) -> tuple[str, ...]:
    """Stems inflected forms of ``word`` start with: "teltta" -> "teltt", "telt"."""
    found = []
    if len(word) >= 5 and word[-1] in _VOWELS:
        found.append(word[:-1])
        body = word[:-1]
        for i in range(len(body) - 1, 0, -1):  # the last double consonant weakens: tt -> t
            if body[i] == body[i - 1] and body[i] not in _VOWELS:
                found.append(body[:i] + body[i + 1 :])
                break
    return tuple(stem for stem in found if len(stem) >= 4)


@lru_cache(maxsize=65536)
def similarity(message_word: str, name_word: str) -> float:
    """How well one (folded) message word matches one (folded) name word, 0..1."""
    q, n = message_word, name_word
    if q == n:
        return 1.0
    if not q or not n or q[0].isdigit() or n[0].isdigit():
        return 0.0
    if q[0] == n[0]:
        score = _same_start(q, n)
        if score:
            return score
    for stem in _message_stems(q):
        if len(stem) >= 4 and len(n) > len(stem) + 2 and n.endswith(stem):
            return 0.5  # the head of a compound name: "takki" in "untuvatakki"
        if len(n) >= 4 and len(stem) > len(n) + 2 and stem.endswith(n):
            return 0.5  # a compound of the name's word: "villapipo" is a "pipo"
        if len(stem) >= 8 and len(n) >= 8 and _common_suffix(stem, n) >= 5:
            return 0.4  # compounds with the same head: "kaasukeitin" ~ "retkikeitin"
    return 0.0


def _common_suffix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _same_start(q: str, n: str) -> float:
    if len(n) >= 3 and q.startswith(n):
        # an inflected form ("untuvatakkia", "runnereita"); a longer tail is a compound of
        # the name word and something else ("vaelluskengät" is not the Vaellus backpack)
        return 0.95 if len(q) - len(n) <= 5 else 0.6
    longest_tail = 5 if len(n) > 5 else 2  # short names: "tykkään" is not "tykky"
    for stem in _name_stems(n):
        if q.startswith(stem) and len(q) - len(stem) <= longest_tail:
            return 0.85  # gradation: "teltan", "rinkkoja", "untuvatakin"
    if len(n) >= 8 and len(q) >= len(n) - 2:
        common = 0
        for a, b in zip(q, n, strict=False):
            if a != b:
                break
            common += 1
        if common >= len(n) - 3 and len(q) - common <= 4:
            return 0.8  # long compound with a changed ending: "vaelluskenkiä"
    close_length = len(n) >= 5 and len(q) >= 5 and abs(len(q) - len(n)) <= 2
    if close_length and (within_one_edit(q, n) if len(n) < 8 else _osa_distance(q, n) <= 2):
        return 0.8  # typo: "vaelus", "revontulu", "trial"
    if len(n) >= 6 and len(q) > len(n) and within_one_edit(q[: len(n)], n):
        return 0.75  # typo in an inflected form: "vaelusrinkkaa"
    if len(q) >= 5 and 0 < len(n) - len(q) <= 3 and n.startswith(q):
        return 0.75  # cut short: "untuvatak"
    left, right = _trigrams(q), _trigrams(n)
    dice = 2 * len(left & right) / (len(left) + len(right))
    return 0.9 * dice if dice >= 0.6 else 0.0


@lru_cache(maxsize=65536)
def joined_similarity(message_word: str, joined: str) -> float:
    """How well a message word matches two name words written together ("trailrunner")."""
    if message_word == joined:
        return 1.0
    if message_word.startswith(joined) and len(message_word) - len(joined) <= 5:
        return 0.95
    if abs(len(message_word) - len(joined)) <= 1 and within_one_edit(message_word, joined):
        return 0.8
    return 0.0


@lru_cache(maxsize=65536)
def _message_stems(word: str) -> tuple[str, ...]:
    return tuple(stems(word))


@dataclass(frozen=True)
class _Name:
    product: int
    words: tuple[str, ...]


class NameMatcher:
    """Scores every product's names against a message (see the module docstring)."""

    def __init__(self, products: Sequence[Product]) -> None:
        self.products = tuple(products)
        self._names: list[_Name] = []
        self._product_words: list[frozenset[str]] = []
        document_frequency: dict[str, int] = {}
        for number, product in enumerate(self.products):
            words: set[str] = set()
            for name in dict.fromkeys(product.name.values()):
                name_words = tuple(
                    dict.fromkeys(w for w in tokens(name) if len(w) >= 2 or w[0].isdigit())
                )
                if name_words:
                    self._names.append(_Name(number, name_words))
                    words.update(name_words)
            self._product_words.append(frozenset(words))
            for word in words:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        count = max(len(self.products), 1)
        self._weight = {w: math.log(1 + count / df) for w, df in document_frequency.items()}
        self._vocabulary = tuple(self._weight)
        # A name's first word is the model name ("Revontuli untuvatakki"), when at most two
        # products share it (a jacket and a vest of one line, not a word like "down").
        self._model_words: list[frozenset[str]] = [frozenset() for _ in self.products]
        for indexed in self._names:
            first = indexed.words[0]
            if not first[0].isdigit() and document_frequency[first] <= 2:
                self._model_words[indexed.product] |= {first}

    def scores(self, text: str, ignore: frozenset[str] = frozenset()) -> list[float]:
        """A lexical score 0..1 per product (in catalogue order).

        Args:
            text: the shopper's message.
            ignore: message words that are not about the product (e.g. a size "42").
        """
        words = [w for w in tokens(text) if w not in ignore]
        pairs = [
            a + b for a, b in itertools.pairwise(words) if not (a[0].isdigit() or b[0].isdigit())
        ]
        candidates = list(dict.fromkeys(words + pairs))
        best_for_word: dict[str, tuple[float, str]] = {}  # message word -> best vocabulary match
        for word in words:
            best = max(((similarity(word, v), v) for v in self._vocabulary), default=(0.0, ""))
            if best[0] >= _PRODUCT_WORD:
                best_for_word[word] = best
        recall = [0.0] * len(self.products)
        for name in self._names:
            recall[name.product] = max(recall[name.product], self._recall(name, candidates))
        result = []
        for number, product_words in enumerate(self._product_words):
            precision = self._precision(best_for_word, product_words)
            r = recall[number]
            f1 = 2 * precision * r / (precision + r) if precision + r > 0 else 0.0
            model = max(
                (similarity(w, m) for w in words for m in self._model_words[number]), default=0.0
            )
            if model >= _MODEL_NAME_MATCH:
                f1 = max(f1, _MODEL_NAME * model * precision)
            result.append(f1)
        return result

    def names_only(self, text: str, ignore: frozenset[str] = frozenset()) -> bool:
        """Whether every word of ``text`` (but ``ignore``) is a product-name word, said as itself,
        inflected or with a typo ("revontuli", "tents", "kiilo 900"): a message that is nothing
        but a product's name, whatever else it looks like ("tents" looks like a greeting)."""
        words = [w for w in tokens(text) if w not in ignore]
        return bool(words) and all(
            max((similarity(w, v) for v in self._vocabulary), default=0.0) >= _NAMED for w in words
        )

    def _recall(self, name: _Name, candidates: list[str]) -> float:
        matched = [max((similarity(c, w) for c in candidates), default=0.0) for w in name.words]
        for i in range(len(name.words) - 1):  # "trailrunner" covers "trail" and "runner"
            if name.words[i][0].isdigit() or name.words[i + 1][0].isdigit():
                continue
            joined = name.words[i] + name.words[i + 1]
            score = max((joined_similarity(c, joined) for c in candidates), default=0.0)
            matched[i], matched[i + 1] = max(matched[i], score), max(matched[i + 1], score)
        weights = [self._weight[w] for w in name.words]
        heads = [i for i, w in enumerate(name.words) if not w[0].isdigit()]
        if heads:
            weights[heads[-1]] *= _HEAD_WEIGHT
        return sum(m * w for m, w in zip(matched, weights, strict=True)) / sum(weights)

    def _precision(
        self, best_for_word: dict[str, tuple[float, str]], product_words: frozenset[str]
    ) -> float:
        total = explained = 0.0
        for word, (_, vocabulary_word) in best_for_word.items():
            weight = self._weight[vocabulary_word]
            total += weight
            explained += weight * max((similarity(word, w) for w in product_words), default=0.0)
        return explained / total if total else 0.0
