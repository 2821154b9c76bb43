"""What the conversation needs from the shop, in one place: search, stock, orders, sign-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.cache import embeddings_file
from bot.contact import find_proof
from bot.encoder import Encoder
from bot.errors import FaqbotError
from bot.shop.attempts import AttemptLimiter, AttemptLimits, Client
from bot.shop.base import ShopBackend
from bot.shop.factory import load_backend
from bot.shop.models import OrderStatus, Product, Variant, VariantStock
from bot.shop.notifications import RestockStore
from bot.shop.query import QueryParser
from bot.shop.search import ProductSearch
from bot.shop.vocab import variant_label

_ORDER_NUMBER = re.compile(r"(?<![\d-])#?(\d{6})(?![\d-])")


def find_order_number(text: str) -> str | None:
    """The six-digit order number in a message ("tilaus #100234 missä?"), if exactly one."""
    found = set(_ORDER_NUMBER.findall(text or ""))
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Wish:
    """The variant attributes and store a shopper asked about (kept in a Rasa slot)."""

    attributes: dict[str, str] = field(default_factory=dict)
    store: str | None = None

    def __bool__(self) -> bool:
        """Whether the shopper named a size, colour or store: a sign of a stock question."""
        return bool(self.attributes or self.store)

    def as_slot(self) -> dict[str, Any]:
        """JSON for the ``stock_wish`` slot."""
        return {"attributes": dict(self.attributes), "store": self.store}

    @classmethod
    def from_slot(cls, value: Any) -> Wish:
        """Back from the slot (an empty wish when unset)."""
        if not isinstance(value, dict):
            return cls()
        attributes = value.get("attributes") or {}
        return cls({str(k): str(v) for k, v in attributes.items()}, value.get("store"))


@dataclass(frozen=True)
class Found:
    """Which product(s) a message means: ``one``, ``several`` (ask) or ``none``."""

    decision: str
    products: list[Product]
    named: bool = False  # the message is only a product's name ("revontuli", "kiilo 900")


@dataclass(frozen=True)
class OrderCheck:
    """What checking an order proof gave: the order when it matched; ``locked`` when this
    client or order number may not try again before the cool-down (the same for unknown
    numbers and wrong proofs)."""

    order: OrderStatus | None = None
    locked: bool = False


class ShopService:
    """The shop backend plus product search, restock sign-ups and the order-proof limit."""

    def __init__(
        self,
        backend: ShopBackend,
        search: ProductSearch,
        restock: RestockStore | None = None,
        attempts: AttemptLimiter | None = None,
    ) -> None:
        self.backend = backend
        self._search = search
        self._restock = restock or RestockStore()
        self.attempts = attempts or AttemptLimiter(limits=AttemptLimits.from_env())
        products = backend.products()
        aliases: dict[str, tuple[str, ...]] = getattr(backend, "aliases", dict)()
        self._parser = QueryParser(backend.locations(), products, aliases)

    @classmethod
    def create(cls, encoder: Encoder) -> ShopService:
        """The configured backend (WooCommerce when WOOCOMMERCE_URL is set, else data/shop)."""
        backend = load_backend()
        cache = embeddings_file(encoder.name, "shop-")
        return cls(backend, ProductSearch(backend.products(), encoder, cache_path=cache))

    def search(self, text: str, language: str) -> Found:
        """The product(s) ``text`` is about (``language``: the conversation's, for later use)."""
        self._search.update(self.backend.products())  # cheap when the catalogue is unchanged
        result = self._search.search(text)
        decision = "one" if result.decision == "single" else result.decision
        return Found(decision, list(result.products), result.named)

    def wish(self, text: str) -> Wish:
        """The size/colour and store named in ``text``."""
        query = self._parser.parse(text)
        return Wish(query.attributes, query.store)

    def product(self, product_id: str) -> Product | None:
        """A product by id."""
        return next((p for p in self.backend.products() if p.id == product_id), None)

    def stock(self, product: Product, wish: Wish) -> list[VariantStock]:
        """Stock of the variants matching the wish (all variants when none match or none wished)."""
        variants = [
            v
            for v in product.variants
            if all(v.attributes.get(k, "").lower() == w.lower() for k, w in wish.attributes.items())
        ]
        if len(variants) == 1:
            return self.backend.stock(product, variants[0])
        stocks = self.backend.stock(product)
        if variants:
            wanted = {v.sku for v in variants}
            stocks = [s for s in stocks if s.variant.sku in wanted]
        return stocks

    def display_name(self, product: Product, variant: Variant | None, language: str) -> str:
        """``Vaellus 45 -rinkka (M, musta)``."""
        name = product.name.get(language) or next(iter(product.name.values()))
        if variant is None or len(product.variants) <= 1:
            return name
        label = variant_label(variant, language)
        return f"{name} ({label})" if label else name

    def order(self, number: str, message: str) -> OrderStatus | None:
        """The verified order, or None, without the attempt limit (:meth:`check_order` has it).

        Args:
            number: the order number.
            message: what the shopper typed as proof ("se on aino@example.com", "00100"); the
                email address or postal code in it is checked.
        """
        proof = find_proof(message)
        return None if proof is None else self.backend.order(number, proof)

    def orders_locked(self, client: Client, number: str | None = None) -> bool:
        """Whether ``client`` (or anyone, for order ``number`` when given) must wait."""
        return self.attempts.locked(client, number)

    def check_order(self, number: str, message: str, client: Client) -> OrderCheck:
        """The order if the proof in ``message`` matches, counting a wrong proof against the
        order number and the client; a locked one is refused without asking the shop.

        Raises:
            ShopError, ShopUnavailable: the shop failed (the attempt does not count).
        """
        attempt = self.attempts.begin(number, client)
        if attempt is None:
            return OrderCheck(locked=True)
        try:
            order = self.order(number, message)
        except FaqbotError:
            self.attempts.release(attempt)
            raise
        if order is not None:
            self.attempts.release(attempt)
            return OrderCheck(order)
        return OrderCheck(locked=self.attempts.fail(attempt))

    def watch_order(self, conversation_id: str, number: str) -> bool:
        """Tell this chat about later changes of order ``number`` (its shopper verified it).

        False when the shop has no order updates (no ``order_updates.yml``) or chat updates
        are off for every event.
        """
        from bot.shop.order_events import OrderEventStore
        from bot.shop.order_notify import load_order_settings, settings_path

        path = settings_path()
        if not path.is_file():
            return False
        settings = load_order_settings(path)
        if not any("chat" in channels for channels in settings.events.values()):
            return False
        OrderEventStore().watch(conversation_id, settings.shop, number)
        return True

    def register_restock(self, email: str, product_id: str, sku: str, language: str) -> None:
        """Remember to email ``email`` once when the variant is back."""
        self._restock.register(email, product_id, sku, language)
