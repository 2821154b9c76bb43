"""Which shop backend to use: WooCommerce when ``WOOCOMMERCE_URL`` is set, else the embedded one."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.shop.base import ShopBackend
from bot.shop.catalog import shop_data_dir
from bot.shop.models import Location

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
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except (OSError, yaml.YAMLError) as exc:
        log.warning("%s: cannot read the store names: %s", path, exc)
        return ()
    entries = data.get("locations") if isinstance(data, dict) else None
    stores = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("store") and isinstance(entry.get("name"), dict):
            names = {str(lang): str(text) for lang, text in entry["name"].items()}
            stores.append(Location(id=str(entry["id"]), name=names, is_store=True))
    return tuple(stores)
