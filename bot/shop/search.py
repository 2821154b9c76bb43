"""Product search: which catalogue product does a shopper's message mean?

Two signals over ``backend.products()``:

- **semantic**: the FAQ's multilingual embeddings of each product's names and descriptions in
  fi/sv/en (score ``w * best row + (1 - w) * centroid``, :class:`bot.embeddings.GroupedRows`,
  as in the FAQ index), so "the red down
  jacket", "se iso rinkka" or "dunjacka" find products without naming them;
- **lexical** (:mod:`bot.shop.lexical`): product names with typos and inflected forms
  ("Vaellus 45 -reppua", "Trail Runnereita"), and exact SKUs.

The decision is ``single`` (one clear product), ``several`` (candidates to offer as buttons, at
most four) or ``none``. Weights and thresholds (:class:`SearchSettings`) were tuned on a small
development list (``tests/data/stock_dev.yml``), never on the labelled set.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.embeddings import EmbeddingCache, GroupedRows
from bot.shop.lexical import NameMatcher
from bot.shop.models import Product, Variant
from bot.shop.query import QueryParser
from bot.shop.stock_words import without_stock_words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.encoder import Encoder

Decision = Literal["single", "several", "none"]

_SKU_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchSettings:
    """Weights and thresholds of product search (tuned on the development list)."""

    lexical_weight: float = 0.6  # combined = lexical_weight * lexical + rest * semantic
    best_row_weight: float = 0.7  # semantic = w * best row + (1 - w) * centroid
    semantic_floor: float = 0.85  # semantic scores are rescaled from [floor, ceiling] to [0, 1]
    semantic_ceiling: float = 0.95
    single_threshold: float = 0.45  # a clear answer needs at least this ...
    single_margin: float = 0.05  # ... and this lead over the runner-up,
    single_lead: float = 0.2  # ... or, above candidate_threshold, this lead
    candidate_threshold: float = 0.3  # below this, nothing matches
    candidate_window: float = 0.15  # candidates: within this of the best
    max_candidates: int = 4


@dataclass(frozen=True)
class ProductMatch:
    """One product's score for a message (``lexical`` and ``semantic`` are its parts)."""

    product: Product
    score: float
    lexical: float = 0.0
    semantic: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    """What a message asks about.

    Attributes:
        decision: ``single`` (``products`` holds the one product), ``several`` (``products``
            holds 1–4 candidates to offer as buttons, best first) or ``none``.
        products: the product(s) to answer or offer.
        matches: every product's score, best first.
        variant: the variant, when the message contained a variant SKU.
        named: the message is nothing but product-name words (and a size): "revontuli".
    """

    decision: Decision
    products: tuple[Product, ...]
    matches: tuple[ProductMatch, ...]
    variant: Variant | None = None
    named: bool = False

    @property
    def product(self) -> Product | None:
        """The product of a ``single`` decision."""
        return self.products[0] if self.decision == "single" else None


class ProductSearch:
    """Finds products by name, SKU or description.

    Args:
        products: the catalogue (``backend.products()``); call :meth:`update` when it changes.
        encoder: the embedding model (the FAQ's; tests pass a fake).
        cache_path: keep product embeddings on disk here (None: in memory only).
        settings: weights and thresholds.
    """

    def __init__(
        self,
        products: Sequence[Product],
        encoder: Encoder,
        *,
        cache_path: Path | None = None,
        settings: SearchSettings | None = None,
    ) -> None:
        self.settings = settings or SearchSettings()
        self._cache = EmbeddingCache(encoder, cache_path)
        self._lock = threading.Lock()
        self._products: tuple[Product, ...] = ()
        self._index = _Index((), self._cache, self.settings)
        self.update(products)

    @property
    def products(self) -> tuple[Product, ...]:
        """The catalogue being searched."""
        return self._products

    def update(self, products: Sequence[Product]) -> bool:
        """Index ``products`` if they differ from the current catalogue; True if re-indexed."""
        products = tuple(products)
        if products == self._products:
            return False
        index = _Index(products, self._cache, self.settings)
        with self._lock:
            self._products, self._index = products, index
        return True

    def search(self, text: str) -> SearchResult:
        """Rank every product for ``text`` and decide single / several / none."""
        with self._lock:
            index = self._index
        return index.search(text)


class _Index:
    """The embeddings, name matcher and SKUs of one catalogue version."""

    def __init__(
        self, products: tuple[Product, ...], cache: EmbeddingCache, settings: SearchSettings
    ) -> None:
        self.products = products
        self.settings = settings
        self._encoder = cache.encoder
        self._names = NameMatcher(products)
        self._parser = QueryParser((), products)
        self._skus: dict[str, tuple[int, Variant | None]] = {}
        for number, product in enumerate(products):
            for variant in product.variants:
                self._skus.setdefault(_sku_key(variant.sku), (number, variant))
            self._skus[_sku_key(product.sku)] = (number, None)
        rows: list[tuple[int, str]] = []
        for number, product in enumerate(products):
            texts = [*product.name.values(), *product.description.values()]
            rows.extend((number, _normalise(t)) for t in dict.fromkeys(texts) if t.strip())
        self._rows: GroupedRows | None = None
        if rows:
            vectors = cache.encode([text for _, text in rows])
            self._rows = GroupedRows(vectors, [number for number, _ in rows], len(products))

    def semantic(self, text: str) -> NDArray[np.float32]:
        """Each product's embedding similarity to ``text``."""
        if self._rows is None:
            return np.full(len(self.products), -1.0, dtype=np.float32)
        vector = self._encoder.encode([_normalise(text)])[0]
        return self._rows.scores(vector, self.settings.best_row_weight)

    def search(self, text: str) -> SearchResult:
        result = self._rank(text)
        if result.decision != "none":
            return result
        # the words of the question dilute the product's ("finns det skidor 180 cm i lager"):
        # without them, a clear product wins; anything less keeps "none". Only after "none":
        # candidates found with the whole question stay candidates ("do you carry the winter
        # sleeping bag" is not one clear bag)
        bare = without_stock_words(text)
        if bare and bare != " ".join(text.split()):
            other = self._rank(bare)
            if other.decision == "single":
                return other
        return result

    def _rank(self, text: str) -> SearchResult:
        if not self.products or not text.strip():
            return SearchResult("none", (), ())
        by_sku = self._sku_match(text)
        size = self._parser.size(text)
        ignore = frozenset({size}) if size and size[0].isdigit() else frozenset()
        lexical = np.array(self._names.scores(text, ignore), dtype=np.float32)
        semantic = self.semantic(text)
        s = self.settings
        scaled = np.clip(
            (semantic - s.semantic_floor) / (s.semantic_ceiling - s.semantic_floor), 0.0, 1.0
        )
        combined = s.lexical_weight * lexical + (1.0 - s.lexical_weight) * scaled
        if by_sku is not None:
            combined[by_sku[0]] = max(float(combined.max()) + s.single_margin, 1.0)
        order = np.argsort(-combined, kind="stable")
        matches = tuple(
            ProductMatch(
                self.products[i], float(combined[i]), float(lexical[i]), float(semantic[i])
            )
            for i in order
        )
        if by_sku is not None:
            return SearchResult("single", (matches[0].product,), matches, by_sku[1], True)
        result = _decide(matches, s)
        if result.decision != "none" and self._names.names_only(text, ignore):
            result = replace(result, named=True)
        return result

    def _sku_match(self, text: str) -> tuple[int, Variant | None] | None:
        for token in _SKU_TOKEN.findall(text):
            if any(ch.isdigit() for ch in token) or "-" in token:
                found = self._skus.get(_sku_key(token))
                if found is not None:
                    return found
        return None


def _decide(matches: tuple[ProductMatch, ...], settings: SearchSettings) -> SearchResult:
    best = matches[0].score
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best < settings.candidate_threshold:
        return SearchResult("none", (), matches)
    lead = best - runner_up
    if (best >= settings.single_threshold and lead >= settings.single_margin) or (
        lead >= settings.single_lead
    ):
        return SearchResult("single", (matches[0].product,), matches)
    floor = max(settings.candidate_threshold, best - settings.candidate_window)
    candidates = [m.product for m in matches if m.score >= floor][: settings.max_candidates]
    return SearchResult("several", tuple(candidates), matches)


def _sku_key(sku: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", sku.upper())


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()
