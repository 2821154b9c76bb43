"""The embedded shop backend: a SQLite database built from the files in ``data/shop/``.

The database lives in the cache directory, named by a hash of the data files, and is rebuilt
when the files change (checked at most every ``check_interval`` seconds). An invalid edit is
logged with every problem and the last good database keeps serving. Dates written relative to
today in the files are resolved at query time with the injectable ``today``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from bot.cache import cache_dir
from bot.reloading import LastGood, file_stamp
from bot.shop.catalog import (
    FILES,
    Catalog,
    DateSpec,
    ShopDataError,
    content_hash,
    load_catalog,
    shop_data_dir,
)
from bot.shop.models import (
    Location,
    OrderStatus,
    Product,
    StockLevel,
    Variant,
    VariantStock,
)
from bot.shop.vocab import variant_label

log = logging.getLogger(__name__)

SCHEMA_VERSION = "4"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE locations (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, is_store INTEGER NOT NULL,
    name TEXT NOT NULL, aliases TEXT NOT NULL);
CREATE TABLE products (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, sku TEXT NOT NULL UNIQUE, url TEXT,
    name TEXT NOT NULL, description TEXT NOT NULL);
CREATE TABLE variants (
    sku TEXT PRIMARY KEY, product_id TEXT NOT NULL REFERENCES products(id),
    position INTEGER NOT NULL, attributes TEXT NOT NULL);
CREATE TABLE stock (
    sku TEXT NOT NULL REFERENCES variants(sku), location_id TEXT NOT NULL REFERENCES locations(id),
    quantity INTEGER NOT NULL, PRIMARY KEY (sku, location_id));
CREATE TABLE restock (sku TEXT PRIMARY KEY REFERENCES variants(sku), on_date TEXT, in_days INTEGER);
CREATE TABLE orders (
    number TEXT PRIMARY KEY, language TEXT NOT NULL, email TEXT NOT NULL,
    postal_code TEXT NOT NULL, status TEXT NOT NULL, carrier TEXT, tracking_code TEXT,
    tracking_url TEXT, placed_on TEXT, placed_in_days INTEGER, expected_on TEXT,
    expected_in_days INTEGER, has_expected INTEGER NOT NULL, first_name TEXT, pickup_point TEXT);
CREATE TABLE order_items (
    number TEXT NOT NULL REFERENCES orders(number), position INTEGER NOT NULL,
    text TEXT NOT NULL, PRIMARY KEY (number, position));
"""


def default_db_dir() -> Path:
    """Where the built databases are kept: ``<faqbot cache>/shop``."""
    return cache_dir() / "shop"


class SqliteShop:
    """:class:`bot.shop.base.ShopBackend` over a SQLite database built from ``data_dir``.

    Args:
        data_dir: the shop data files; defaults to :func:`shop_data_dir`.
        db_dir: where the database is built; defaults to :func:`default_db_dir`.
        today: today's date (tests pass a fixed one); resolves relative dates.
        check_interval: seconds between checks of the files for edits.

    Raises:
        ShopDataError: the data files are invalid (every problem, with file:line:col).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        db_dir: Path | None = None,
        today: Callable[[], date] = date.today,
        check_interval: float = 1.0,
    ) -> None:
        self.data_dir = data_dir or shop_data_dir()
        self.db_dir = db_dir or default_db_dir()
        self._today = today
        self._check_interval = check_interval
        self._checked_at = time.monotonic()
        self.warnings: tuple[str, ...] = ()  # non-fatal problems of the data files
        self._database = LastGood(
            "shop data",
            lambda: file_stamp(self.data_dir / name for name in FILES),
            self._open,
            ShopDataError,
        )

    @property
    def path(self) -> Path:
        """The database currently serving."""
        return self._database.value

    # ------------------------------------------------------------------------ building
    def _open(self) -> Path:
        """Use the database of the current files, building it first if needed."""
        digest = content_hash(self.data_dir)
        # the cache is shared by every checkout and shop directory on the machine: only this
        # directory's older builds (same schema) are removed, never a database others serve
        source = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        prefix = f"catalog-{SCHEMA_VERSION}-{source}-"
        path = self.db_dir / f"{prefix}{digest}.sqlite"
        if not _is_built(path):
            catalog = load_catalog(self.data_dir)
            _build(catalog, path)
            for old in self.db_dir.glob(f"{prefix}*.sqlite"):
                if old != path:
                    old.unlink(missing_ok=True)
        self._load_catalogue(path)
        return path

    def _load_catalogue(self, path: Path) -> None:
        with closing(_connect(path)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'warnings'").fetchone()
            warnings = tuple(json.loads(row[0])) if row else ()
            locations = [
                Location(id=row[0], name=json.loads(row[1]), is_store=bool(row[2]))
                for row in db.execute("SELECT id, name, is_store FROM locations ORDER BY position")
            ]
            aliases = {
                row[0]: tuple(json.loads(row[1]))
                for row in db.execute("SELECT id, aliases FROM locations")
            }
            variants: dict[str, list[Variant]] = {}
            for product_id, sku, attributes in db.execute(
                "SELECT product_id, sku, attributes FROM variants ORDER BY product_id, position"
            ):
                variants.setdefault(product_id, []).append(Variant(sku, json.loads(attributes)))
            products = [
                Product(
                    id=row[0],
                    sku=row[1],
                    url=row[2],
                    name=json.loads(row[3]),
                    description=json.loads(row[4]),
                    variants=tuple(variants.get(row[0], ())),
                )
                for row in db.execute(
                    "SELECT id, sku, url, name, description FROM products ORDER BY position"
                )
            ]
        self.warnings = warnings
        self._locations = locations
        self._aliases = aliases
        self._products = products
        self._by_id = {product.id: product for product in products}

    def refresh(self) -> bool:
        """Rebuild from the files if they changed; keep serving the last good data if invalid.

        Returns:
            True when a new database is now serving.
        """
        self._checked_at = time.monotonic()
        before = self.path
        if not self._database.refresh() or self.path == before:
            return False
        log.info("shop data reloaded: %d products", len(self._products))
        return True

    def _fresh(self) -> Path:
        if time.monotonic() - self._checked_at >= self._check_interval:
            self.refresh()
        return self.path

    # ------------------------------------------------------------------------ answering
    def products(self) -> list[Product]:
        """The whole catalogue."""
        self._fresh()
        return list(self._products)

    def product(self, product_id: str) -> Product | None:
        """The product with ``product_id``, or None."""
        self._fresh()
        return self._by_id.get(product_id)

    def locations(self) -> list[Location]:
        """The online warehouse and the stores, as listed in ``locations.yml``."""
        self._fresh()
        return list(self._locations)

    def aliases(self) -> dict[str, tuple[str, ...]]:
        """Words naming each location in messages (for :class:`bot.shop.query.QueryParser`)."""
        self._fresh()
        return dict(self._aliases)

    def stock(self, product: Product, variant: Variant | None = None) -> list[VariantStock]:
        """Stock of ``variant`` (or of every variant) of ``product`` at every location.

        Every location is listed, with 0 where there is none. The restock date is given only
        for a variant sold out everywhere whose date is today or later. An unknown product,
        or a variant of another product, gives an empty list.
        """
        path = self._fresh()
        known = self._by_id.get(product.id)
        if known is None:
            return []
        variants = [v for v in known.variants if variant is None or v.sku == variant.sku]
        today = self._today()
        result = []
        with closing(_connect(path)) as db:
            for item in variants:
                units = dict(
                    db.execute("SELECT location_id, quantity FROM stock WHERE sku = ?", (item.sku,))
                )
                levels = tuple(
                    StockLevel(loc, int(units.get(loc.id, 0))) for loc in self._locations
                )
                restock = None
                if not any(level.quantity for level in levels):
                    row = db.execute(
                        "SELECT on_date, in_days FROM restock WHERE sku = ?", (item.sku,)
                    ).fetchone()
                    if row is not None:
                        restock = _spec(row[0], row[1]).resolve(today)
                        restock = restock if restock >= today else None
                result.append(VariantStock(known, item, levels, restock))
        return result

    def order(self, number: str, proof: str) -> OrderStatus | None:
        """The order ``number`` if ``proof`` is its email (any case) or postal code (any spaces).

        An unknown number and a wrong proof both give None.
        """
        path = self._fresh()
        number = "".join(number.split()).lstrip("#")
        with closing(_connect(path)) as db:
            row = db.execute(f"{_ORDER_SELECT} WHERE number = ?", (number,)).fetchone()
            if row is None or not _proves(proof, email=row[2], postal_code=row[3]):
                return None
            return self._status(db, row)

    def orders_of(self, email: str, limit: int) -> list[OrderStatus]:
        """The newest ``limit`` orders placed with ``email`` (any case), newest first."""
        path = self._fresh()
        wanted = email.strip().casefold()
        with closing(_connect(path)) as db:
            rows = [
                row
                for row in db.execute(_ORDER_SELECT).fetchall()
                if str(row[2]).strip().casefold() == wanted
            ]
            found = [self._status(db, row) for row in rows]
        found.sort(key=lambda order: (order.placed_on, order.number), reverse=True)
        return found[:limit]

    def _status(self, db: sqlite3.Connection, row: tuple[Any, ...]) -> OrderStatus:
        items = tuple(
            text
            for (text,) in db.execute(
                "SELECT text FROM order_items WHERE number = ? ORDER BY position", (row[0],)
            )
        )
        today = self._today()
        expected = _spec(row[10], row[11]).resolve(today) if row[12] else None
        return OrderStatus(
            number=row[0],
            status=row[4],
            placed_on=_spec(row[8], row[9]).resolve(today),
            expected_delivery=expected,
            carrier=row[5],
            tracking_code=row[6],
            tracking_url=row[7],
            items=items,
            language=row[1],
            first_name=row[13],
            pickup_point=row[14],
            email=row[2],
        )


_ORDER_SELECT = (
    "SELECT number, language, email, postal_code, status, carrier, tracking_code, tracking_url, "
    "placed_on, placed_in_days, expected_on, expected_in_days, has_expected, first_name, "
    "pickup_point FROM orders"
)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _is_built(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with closing(_connect(path)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == SCHEMA_VERSION


def _spec(on: str | None, days: int | None) -> DateSpec:
    return DateSpec(on=date.fromisoformat(on) if on else None, days=days)


def _normalise_email(text: str) -> str:
    return text.strip().casefold()


def _normalise_postal_code(text: str) -> str:
    return "".join(text.split()).upper()


def _proves(proof: str, *, email: str, postal_code: str) -> bool:
    """Whether ``proof`` is the order's email address or postal code."""
    proof = proof.strip()
    if not proof:
        return False
    if "@" in proof:
        given, stored = _normalise_email(proof), _normalise_email(email)
    else:
        given, stored = _normalise_postal_code(proof), _normalise_postal_code(postal_code)
    return hmac.compare_digest(given.encode(), stored.encode())


def _build(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` into a new database at ``path`` (atomically replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)
    with closing(sqlite3.connect(temporary)) as db:
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        db.execute("INSERT INTO meta VALUES ('content_hash', ?)", (catalog.content_hash,))
        db.execute("INSERT INTO meta VALUES ('warnings', ?)", (json.dumps(catalog.warnings),))
        db.executemany(
            "INSERT INTO locations VALUES (?, ?, ?, ?, ?)",
            [
                (
                    loc.id,
                    i,
                    int(loc.is_store),
                    json.dumps(loc.name, ensure_ascii=False),
                    json.dumps(catalog.aliases.get(loc.id, ()), ensure_ascii=False),
                )
                for i, loc in enumerate(catalog.locations)
            ],
        )
        db.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    p.id,
                    i,
                    p.sku,
                    p.url,
                    json.dumps(p.name, ensure_ascii=False),
                    json.dumps(p.description, ensure_ascii=False),
                )
                for i, p in enumerate(catalog.products)
            ],
        )
        db.executemany(
            "INSERT INTO variants VALUES (?, ?, ?, ?)",
            [
                (v.sku, p.id, i, json.dumps(v.attributes, ensure_ascii=False))
                for p in catalog.products
                for i, v in enumerate(p.variants)
            ],
        )
        db.executemany(
            "INSERT INTO stock VALUES (?, ?, ?)",
            [
                (record.sku, loc_id, units)
                for record in catalog.stock.values()
                for loc_id, units in record.quantities.items()
            ],
        )
        db.executemany(
            "INSERT INTO restock VALUES (?, ?, ?)",
            [
                (r.sku, r.restock.on.isoformat() if r.restock.on else None, r.restock.days)
                for r in catalog.stock.values()
                if r.restock is not None
            ],
        )
        for order in catalog.orders:
            expected = order.expected or DateSpec()
            db.execute(
                "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order.number,
                    order.language,
                    order.email,
                    order.postal_code,
                    order.status,
                    order.carrier,
                    order.tracking_code,
                    order.tracking_url,
                    order.placed.on.isoformat() if order.placed.on else None,
                    order.placed.days,
                    expected.on.isoformat() if expected.on else None,
                    expected.days,
                    int(order.expected is not None),
                    order.first_name,
                    order.pickup_point,
                ),
            )
            for position, item in enumerate(order.items):
                db.execute(
                    "INSERT INTO order_items VALUES (?, ?, ?)",
                    (
                        order.number,
                        position,
                        _item_text(catalog, item.sku, item.quantity, order.language),
                    ),
                )
        db.commit()
    os.replace(temporary, path)


def _item_text(catalog: Catalog, sku: str, quantity: int, lang: str) -> str:
    """ "2 × Jänkä juomapullo 1 l (sininen)" in the order's language."""
    found = catalog.variant(sku)
    if found is None:
        return sku
    product, variant = found
    text = product.name.get(lang) or product.name["fi"]
    label = variant_label(variant, lang)
    if label:
        text += f" ({label})"
    return f"{quantity} × {text}" if quantity > 1 else text
