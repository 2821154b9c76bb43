"""The WooCommerce backend: a :class:`~bot.shop.base.ShopBackend` over the REST API v3.

Configured from the environment (:meth:`WooCommerceShop.from_env`):

- ``WOOCOMMERCE_URL``: the shop's address, e.g. ``https://kairaoutdoor.example``
- ``WOOCOMMERCE_KEY`` / ``WOOCOMMERCE_SECRET``: a REST API key with read access
  (WooCommerce → Settings → Advanced → REST API), sent with HTTP basic auth
- ``WOOCOMMERCE_TIMEOUT``: seconds per request (default 8)
- ``WOOCOMMERCE_CACHE_SECONDS``: how long the catalogue is reused (default 300)

The catalogue (products and their variations) is cached so product search does not page
through the API on every question; stock and orders are always read fresh. How payloads map to
the shop data is described in :mod:`bot.shop.wc_mapping` and docs/woocommerce.md.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ShopError, ShopUnavailable
from bot.shop.models import Location, OrderStatus, Product, Variant, VariantStock
from bot.shop.wc_client import NotFound, WooCommerceClient
from bot.shop.wc_mapping import (
    ONLINE,
    is_listed,
    is_published_variation,
    online_quantity,
    order_status,
    proof_matches,
    restock_date,
    stock_levels,
    store_location,
    store_quantities,
    to_product,
    to_variant,
)

log = logging.getLogger(__name__)

STALE_RETRY_SECONDS = 30.0  # after a failed refresh, serve the old catalogue this long
_ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/-]{0,39}")


@dataclass
class _Catalogue:
    products: list[Product]
    raw: dict[str, dict[str, Any]]  # product id → its payload
    stores: set[str] = field(default_factory=set)
    loaded_at: float = 0.0


class WooCommerceShop:
    """Products, stock and orders read from a WooCommerce shop.

    Args:
        client: the REST client (URL, keys, timeouts, retries).
        cache_seconds: how long :meth:`products` reuses the catalogue.
        stores: store locations with names in fi/sv/en, matched by id against the
            ``faqbot_store_stock`` meta keys (unknown ids are named after the id).
    """

    def __init__(
        self,
        client: WooCommerceClient,
        *,
        cache_seconds: float = 300.0,
        stores: Sequence[Location] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.cache_seconds = cache_seconds
        self._stores = {store.id: store for store in stores}
        self._clock = clock
        self._lock = threading.Lock()
        self._catalogue: _Catalogue | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, stores: Sequence[Location] = ()
    ) -> WooCommerceShop:
        """The backend configured by ``WOOCOMMERCE_*`` environment variables."""
        env = os.environ if environ is None else environ
        url = env.get("WOOCOMMERCE_URL", "").strip()
        key = env.get("WOOCOMMERCE_KEY", "").strip()
        secret = env.get("WOOCOMMERCE_SECRET", "").strip()
        if not url:
            raise ShopError("WOOCOMMERCE_URL is not set")
        if not key or not secret:
            raise ShopError(
                "WOOCOMMERCE_URL is set but WOOCOMMERCE_KEY or WOOCOMMERCE_SECRET is missing"
            )
        client = WooCommerceClient(
            url, key, secret, timeout=_seconds(env, "WOOCOMMERCE_TIMEOUT", 8.0)
        )
        cache_seconds = _seconds(env, "WOOCOMMERCE_CACHE_SECONDS", 300.0)
        return cls(client, cache_seconds=cache_seconds, stores=stores)

    # --- ShopBackend ---------------------------------------------------------------------

    def products(self) -> list[Product]:
        """The published catalogue (cached for ``cache_seconds``)."""
        return list(self._current().products)

    def locations(self) -> list[Location]:
        """The online shop, then the stores named in the catalogue's stock meta fields."""
        sids = set(self._stores) | self._current().stores
        return [ONLINE, *(store_location(sid, self._stores) for sid in sorted(sids))]

    def stock(self, product: Product, variant: Variant | None = None) -> list[VariantStock]:
        """Fresh stock of one variant, or of all of them (an empty list for unknown ones)."""
        if not product.id.isdigit():  # not a WooCommerce product
            return []
        try:
            raw = self._product_payload(product.id)
            if raw.get("type") == "variable":
                payloads = [
                    v
                    for v in self.client.get_all(f"products/{product.id}/variations")
                    if is_published_variation(v)
                ]
                pairs = [(to_variant(v), v) for v in payloads]
            else:
                pairs = [(Variant(sku=product.sku), raw)]
        except NotFound:
            log.info("product %s is no longer in WooCommerce", product.id)
            return []
        result = []
        for found, payload in pairs:
            if variant is not None and found.sku != variant.sku:
                continue
            levels = stock_levels(payload, self._stores)
            soon = restock_date(payload, raw) if online_quantity(payload) == 0 else None
            result.append(VariantStock(product, found, levels, soon))
        return result

    def order(self, number: str, proof: str) -> OrderStatus | None:
        """The order ``number`` if ``proof`` is its billing email or billing/shipping postcode."""
        wanted = number.strip().lstrip("#").strip().replace(" ", "")
        if not proof.strip() or not _ORDER_NUMBER.fullmatch(wanted):
            return None
        raw = self._find_order(wanted)
        if raw is None or not proof_matches(raw, proof):
            return None
        return order_status(raw)

    def orders_of(self, email: str, limit: int) -> list[OrderStatus]:
        """The newest ``limit`` orders whose billing email is ``email`` (any case).

        ``search`` also matches names and addresses, so the billing email is compared here.
        """
        wanted = email.strip().casefold()
        if not wanted:
            return []
        found = self.client.get(
            "orders", {"search": wanted, "per_page": 20, "orderby": "date", "order": "desc"}
        )
        result = [
            order_status(raw)
            for raw in (found if isinstance(found, list) else [])
            if isinstance(raw, dict)
            and str((raw.get("billing") or {}).get("email") or "").strip().casefold() == wanted
        ]
        result.sort(key=lambda order: (order.placed_on, order.number), reverse=True)
        return result[:limit]

    # --- internals -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Forget the cached catalogue; the next call reads it again."""
        with self._lock:
            self._catalogue = None

    def _current(self) -> _Catalogue:
        with self._lock:
            cached = self._catalogue
            now = self._clock()
            if cached is not None and now - cached.loaded_at < self.cache_seconds:
                return cached
            try:
                self._catalogue = self._load()
            except ShopUnavailable:
                if cached is None:
                    raise
                log.warning("WooCommerce is not answering; using the catalogue read earlier")
                cached.loaded_at = now - self.cache_seconds + STALE_RETRY_SECONDS
                return cached
            return self._catalogue

    def _load(self) -> _Catalogue:
        started = self._clock()
        products: list[Product] = []
        raws: dict[str, dict[str, Any]] = {}
        stores: set[str] = set()
        for raw in self.client.get_all("products", {"status": "publish"}):
            if not is_listed(raw):
                continue
            variations: list[dict[str, Any]] = []
            if raw.get("type") == "variable":
                variations = list(self.client.get_all(f"products/{raw['id']}/variations"))
            for payload in (raw, *variations):
                stores.update(store_quantities(payload))
            product = to_product(raw, variations)
            products.append(product)
            raws[product.id] = raw
        log.info("read %d products from WooCommerce", len(products))
        return _Catalogue(products, raws, stores, loaded_at=started)

    def _product_payload(self, product_id: str) -> dict[str, Any]:
        cached = self._catalogue.raw.get(product_id) if self._catalogue else None
        if cached is not None and cached.get("type") == "variable":
            return cached  # its meta is enough; the variations are read fresh
        payload = self.client.get(f"products/{product_id}")
        if not isinstance(payload, dict):
            raise ShopError(f"WooCommerce product {product_id} is not an object")
        return payload

    def _find_order(self, wanted: str) -> dict[str, Any] | None:
        """The order whose number is ``wanted``, always with the same requests.

        Order numbers from a sequential-numbers plugin differ from the ids, so the number is
        searched; a number of digits is also read as an id. Both requests are made whether or
        not either finds the order, so timing does not tell which numbers exist.
        """
        found = self.client.get("orders", {"search": wanted, "per_page": 20})
        by_id: Any = None
        if wanted.isdigit():
            try:
                by_id = self.client.get(f"orders/{wanted}")
            except NotFound:
                by_id = None
        candidates = [by_id, *(found if isinstance(found, list) else [])]
        for raw in candidates:
            if isinstance(raw, dict) and str(raw.get("number") or raw.get("id")) == wanted:
                return raw
        return None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ShopError(f"{name} must be a number of seconds, not {text!r}") from None
    if value < 0:
        raise ShopError(f"{name} must not be negative")
    return value
