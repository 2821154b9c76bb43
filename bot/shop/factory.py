"""Which shop backend to use: WooCommerce when ``WOOCOMMERCE_URL`` is set, else the embedded one."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from bot.shop.base import ShopBackend
from bot.shop.catalog import shop_data_dir
from bot.shop.models import Location
from bot.yamlfile import read_yaml

log = logging.getLogger(__name__)


def load_backend(
    environ: Mapping[str, str] | None = None, data_dir: Path | None = None
) -> ShopBackend:
    """The configured backend; create it once and keep it (it caches the catalogue).

    With ``WOOCOMMERCE_URL`` set: :class:`~bot.shop.woocommerce.WooCommerceShop` (keys from
    ``WOOCOMMERCE_KEY``/``WOOCOMMERCE_SECRET``; the stores of ``data_dir/locations.yml`` give
    translated names to per-store stock). Otherwise the embedded SQLite catalogue built from
    ``data_dir`` (default ``$FAQBOT_SHOP_DIR`` or ``data/shop``).

    Raises:
        ShopError: the configuration or the shop data is invalid.
    """
    env = os.environ if environ is None else environ
    data_dir = data_dir or shop_data_dir(env)
    if env.get("WOOCOMMERCE_URL", "").strip():
        from bot.shop.woocommerce import WooCommerceShop

        return WooCommerceShop.from_env(env, stores=store_locations(data_dir))
    from bot.shop.sqlite import SqliteShop

    return SqliteShop(data_dir)


def store_locations(data_dir: Path) -> tuple[Location, ...]:
    """The stores listed in ``data_dir/locations.yml`` (none when it is missing or unreadable)."""
    path = data_dir / "locations.yml"
    if not path.is_file():
        return ()
    doc = read_yaml(path)
    if doc.problems:
        log.warning("cannot read the store names: %s", "; ".join(doc.problems))
        return ()
    entries = doc.data.get("locations") if isinstance(doc.data, dict) else None
    stores = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("store") or entry.get("id") is None:
            continue
        if isinstance(entry.get("name"), dict):
            names = {str(lang): str(text) for lang, text in entry["name"].items()}
            stores.append(Location(id=str(entry["id"]), name=names, is_store=True))
    return tuple(stores)
