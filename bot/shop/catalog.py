"""Load and check the shop data files (``data/shop/``): every problem at once, with file:line.

Four files, documented for editors in ``data/shop/README.md``: ``locations.yml``,
``products.yml``, ``stock.yml`` and ``orders.yml``. Dates may be written relative to today
(``placed_days_ago``, ``expected_in_days``, ``restock_in_days``) so demo data never goes stale;
they are resolved by the backend at query time (:meth:`DateSpec.resolve`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from bot.errors import ShopError
from bot.language import Language
from bot.shop.models import Location, Product, Variant
from bot.yamlfile import YamlDocument, format_key, read_yaml, validate

FILES = ("locations.yml", "products.yml", "stock.yml", "orders.yml")
DEFAULT_DATA_DIR = Path("data/shop")


def shop_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$FAQBOT_SHOP_DIR`` or ``data/shop``: the shop data files (and ``emails.yml``)."""
    env = os.environ if environ is None else environ
    return Path(env.get("FAQBOT_SHOP_DIR") or DEFAULT_DATA_DIR)


STATUSES = ("received", "processing", "shipped", "ready_for_pickup", "delivered", "cancelled")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]


def _matching(pattern: str, what: str) -> AfterValidator:
    """A check with a message for editors (the pattern itself would not help them)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


Sku = Annotated[
    str,
    _matching(r"[A-Za-z0-9][A-Za-z0-9._/-]*", "a SKU (letters, digits, - . _ /, no spaces)"),
]
Url = Annotated[str, _matching(r"https?://\S+", "a web address (https://...)")]


class ShopDataError(ShopError):
    """The shop data files are invalid; ``problems`` lists every problem as ``file:line:col``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# ----------------------------------------------------------------------------- file schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextsModel(_Strict):
    """A text in each of the three languages (all required)."""

    fi: Text
    sv: Text
    en: Text


class LocationModel(_Strict):
    """One entry of ``locations.yml``."""

    id: Id
    store: bool
    name: TextsModel
    aliases: list[Text] = []


class LocationsFileModel(_Strict):
    """``locations.yml``."""

    locations: Annotated[list[LocationModel], Field(min_length=1)]


def _number_as_text(value: Any) -> Any:
    """Sizes like ``42`` may be written unquoted."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class VariantModel(_Strict):
    """One variant of a product: its SKU and optional size and colour."""

    sku: Sku
    size: Text | None = None
    colour: Text | None = None

    @field_validator("size", mode="before")
    @classmethod
    def _size_text(cls, value: Any) -> Any:
        return _number_as_text(value)


class ProductModel(_Strict):
    """One entry of ``products.yml``."""

    id: Id
    sku: Sku
    name: TextsModel
    description: TextsModel
    url: Url | None = None
    variants: Annotated[list[VariantModel], Field(min_length=1)]


class ProductsFileModel(_Strict):
    """``products.yml``."""

    products: Annotated[list[ProductModel], Field(min_length=1)]


class StockEntryModel(BaseModel):
    """Quantities of one variant: ``location id: units`` plus an optional restock date."""

    model_config = ConfigDict(extra="allow", frozen=True)

    restock_date: date | None = None
    restock_in_days: Annotated[int, Field(ge=0)] | None = None


class StockFileModel(_Strict):
    """``stock.yml``: variant SKU -> quantities."""

    stock: dict[str, StockEntryModel | None]


class CarrierModel(_Strict):
    """A carrier and its public tracking page (``{code}`` is replaced by the tracking code)."""

    name: Text
    tracking_url: Annotated[
        str,
        _matching(r"https?://\S*\{code\}\S*", "a web address with {code} for the tracking code"),
    ]


class OrderItemModel(_Strict):
    """One line of an order."""

    sku: Sku
    quantity: Annotated[int, Field(ge=1)] = 1


def _quoted(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            'write it in quotes, e.g. "00100": unquoted, YAML reads it as a number and '
            "drops leading zeros"
        )
    return value


class OrderModel(_Strict):
    """One entry of ``orders.yml``."""

    number: Annotated[str, _matching(r"[0-9]{6}", "an order number (six digits)")]
    language: Language
    email: Annotated[
        str,
        StringConstraints(strip_whitespace=True),
        _matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an email address"),
    ]
    postal_code: Annotated[
        str,
        StringConstraints(strip_whitespace=True),
        _matching(r"[A-Za-z0-9 -]{3,10}", "a postal code"),
    ]
    status: Literal[
        "received", "processing", "shipped", "ready_for_pickup", "delivered", "cancelled"
    ]
    carrier: Id | None = None
    tracking_code: Text | None = None
    tracking_url: Url | None = None
    placed_on: date | None = None
    placed_days_ago: Annotated[int, Field(ge=0)] | None = None
    expected_delivery: date | None = None
    expected_in_days: int | None = None
    items: list[OrderItemModel] = []
    first_name: Text | None = None  # for order updates and a personal greeting
    phone: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True),
            _matching(r"\+[0-9]{7,15}", "a phone number in international form (+358401234567)"),
        ]
        | None
    ) = None  # order-update text messages go here
    pickup_point: Text | None = None  # where a ready_for_pickup order waits

    @field_validator("number", "postal_code", mode="before")
    @classmethod
    def _quoted_text(cls, value: Any) -> Any:
        return _quoted(value)


class OrdersFileModel(_Strict):
    """``orders.yml``."""

    carriers: dict[Id, CarrierModel] = {}
    orders: list[OrderModel] = []


# --------------------------------------------------------------------------- loaded data
@dataclass(frozen=True)
class DateSpec:
    """A date written either as a date or as days from today (negative: in the past)."""

    on: date | None = None
    days: int | None = None

    def resolve(self, today: date) -> date:
        """The actual date, given today's."""
        if self.on is not None:
            return self.on
        return today + timedelta(days=self.days or 0)


@dataclass(frozen=True)
class StockRecord:
    """Units of one variant per location id, and when it is expected back."""

    sku: str
    quantities: dict[str, int]
    restock: DateSpec | None = None


@dataclass(frozen=True)
class OrderItem:
    """One line of an order."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderRecord:
    """An order as stored (dates unresolved)."""

    number: str
    language: str
    email: str
    postal_code: str
    status: str
    carrier: str | None  # the carrier's display name
    tracking_code: str | None
    tracking_url: str | None
    placed: DateSpec
    expected: DateSpec | None
    items: tuple[OrderItem, ...]
    first_name: str | None = None
    phone: str | None = None
    pickup_point: str | None = None


@dataclass(frozen=True)
class Catalog:
    """Everything in the shop data directory, validated."""

    locations: tuple[Location, ...]
    aliases: dict[str, tuple[str, ...]]  # location id -> words naming it in messages
    products: tuple[Product, ...]
    stock: dict[str, StockRecord]  # by variant SKU
    orders: tuple[OrderRecord, ...]
    content_hash: str
    warnings: tuple[str, ...] = field(default=())

    def variant(self, sku: str) -> tuple[Product, Variant] | None:
        """The product and variant with SKU ``sku``."""
        for product in self.products:
            for variant in product.variants:
                if variant.sku == sku:
                    return product, variant
        return None


def content_hash(data_dir: Path) -> str:
    """A hash of the data files' names and bytes (missing files count as empty)."""
    digest = hashlib.sha256()
    for name in FILES:
        path = data_dir / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def load_catalog(data_dir: Path) -> Catalog:
    """Load and cross-check the four files of ``data_dir``.

    Raises:
        ShopDataError: with every problem of every file, each as ``file:line:col: ...``.
    """
    problems: list[str] = []
    docs: dict[str, YamlDocument] = {}
    for name in FILES:
        path = data_dir / name
        if not path.is_file():
            problems.append(f"{path}:1:1: file missing; every shop data directory needs {name}")
            continue
        docs[name] = read_yaml(path)
    if problems:
        raise ShopDataError(problems)
    builder = _Builder(docs)
    catalog = builder.build(content_hash(data_dir))
    if builder.problems or catalog is None:
        raise ShopDataError(builder.problems)
    return catalog


class _Builder:
    """Validates each file, then the references between them."""

    def __init__(self, docs: dict[str, YamlDocument]) -> None:
        self.docs = docs
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def _where(self, name: str, key: tuple[str | int, ...], *, at_key: bool = False) -> str:
        return self.docs[name].where(key, at_key=at_key)

    def build(self, digest: str) -> Catalog | None:
        locations_file = validate(self.docs["locations.yml"], LocationsFileModel)
        products_file = validate(self.docs["products.yml"], ProductsFileModel)
        stock_file = validate(self.docs["stock.yml"], StockFileModel)
        orders_file = validate(self.docs["orders.yml"], OrdersFileModel)
        for doc in self.docs.values():
            self.problems.extend(doc.problems)
        locations = self._locations(locations_file) if locations_file else None
        products = self._products(products_file) if products_file else None
        skus = {v.sku for p in products or () for v in p.variants}
        stock = self._stock(stock_file, locations, skus if products else None)
        orders = self._orders(orders_file, skus if products else None)
        if products is not None and stock is not None:
            for product_index, product in enumerate(products):
                for variant_index, variant in enumerate(product.variants):
                    if variant.sku not in stock:
                        where = self._where(
                            "products.yml", ("products", product_index, "variants", variant_index)
                        )
                        self.warnings.append(
                            f"{where}: {variant.sku}: not in stock.yml; counted as sold out "
                            "everywhere"
                        )
        if self.problems or None in (locations_file, products, stock, orders):
            return None
        assert locations_file is not None and products is not None
        assert stock is not None and orders is not None and locations is not None
        return Catalog(
            locations=locations,
            aliases={loc.id: tuple(loc.aliases) for loc in locations_file.locations},
            products=products,
            stock=stock,
            orders=orders,
            content_hash=digest,
            warnings=tuple(self.warnings),
        )

    def _duplicate(
        self, seen: dict[str, str], value: str, where: str, label: str, what: str
    ) -> None:
        if value in seen:
            self.problems.append(
                f"{where}: {label}: duplicate {what} {value!r} (first at {seen[value]}); "
                f"{what}s must be unique"
            )
        else:
            seen[value] = where

    def _locations(self, model: LocationsFileModel) -> tuple[Location, ...]:
        seen: dict[str, str] = {}
        result = []
        for index, loc in enumerate(model.locations):
            where = self._where("locations.yml", ("locations", index, "id"))
            self._duplicate(seen, loc.id, where, f"locations[{index}].id", "location id")
            result.append(Location(id=loc.id, name=loc.name.model_dump(), is_store=loc.store))
        if not any(not loc.is_store for loc in result):
            where = self._where("locations.yml", ("locations",))
            self.problems.append(
                f"{where}: locations: no online warehouse; add a location with `store: false`"
            )
        return tuple(result)

    def _products(self, model: ProductsFileModel) -> tuple[Product, ...]:
        ids: dict[str, str] = {}
        product_skus: dict[str, str] = {}
        variant_skus: dict[str, str] = {}
        result = []
        for index, raw in enumerate(model.products):
            base: tuple[str | int, ...] = ("products", index)
            self._duplicate(
                ids,
                raw.id,
                self._where("products.yml", (*base, "id")),
                f"products[{index}].id",
                "product id",
            )
            self._duplicate(
                product_skus,
                raw.sku,
                self._where("products.yml", (*base, "sku")),
                f"products[{index}].sku",
                "product SKU",
            )
            combos: dict[tuple[str | None, str | None], int] = {}
            variants = []
            for number, raw_variant in enumerate(raw.variants):
                key = (*base, "variants", number)
                where = self._where("products.yml", key)
                label = f"products[{index}].variants[{number}]"
                self._duplicate(
                    variant_skus,
                    raw_variant.sku,
                    self._where("products.yml", (*key, "sku")),
                    f"{label}.sku",
                    "variant SKU",
                )
                combo = (raw_variant.size, raw_variant.colour)
                if combo in combos:
                    self.problems.append(
                        f"{where}: {label}: same size and colour as variants[{combos[combo]}]; "
                        "each variant needs its own size/colour combination"
                    )
                combos.setdefault(combo, number)
                attributes = {
                    k: v
                    for k, v in (("size", raw_variant.size), ("colour", raw_variant.colour))
                    if v is not None
                }
                variants.append(Variant(sku=raw_variant.sku, attributes=attributes))
            if len(variants) > 1 and any(not v.attributes for v in variants):
                self.problems.append(
                    f"{self._where('products.yml', (*base, 'variants'))}: products[{index}]"
                    ".variants: a product with several variants needs a size or colour on each"
                )
            result.append(
                Product(
                    id=raw.id,
                    sku=raw.sku,
                    name=raw.name.model_dump(),
                    description=raw.description.model_dump(),
                    variants=tuple(variants),
                    url=raw.url,
                )
            )
        for sku, where in product_skus.items():
            if sku in variant_skus and not any(
                p.sku == sku and any(v.sku == sku for v in p.variants) for p in result
            ):
                self.problems.append(
                    f"{where}: product SKU {sku!r} is also the SKU of another product's variant "
                    f"({variant_skus[sku]}); SKUs must identify one thing"
                )
        return tuple(result)

    def _stock(
        self,
        model: StockFileModel | None,
        locations: tuple[Location, ...] | None,
        skus: set[str] | None,
    ) -> dict[str, StockRecord] | None:
        if model is None:
            return None
        location_ids = [loc.id for loc in locations] if locations is not None else None
        result: dict[str, StockRecord] = {}
        for sku, entry in model.stock.items():
            key: tuple[str | int, ...] = ("stock", sku)
            where_key = self._where("stock.yml", key, at_key=True)
            if skus is not None and sku not in skus:
                self.problems.append(
                    f"{where_key}: {format_key(key)}: unknown SKU; "
                    "use a variant SKU from products.yml"
                )
            entry = entry or StockEntryModel()
            quantities: dict[str, int] = {}
            for loc_id, units in (entry.model_extra or {}).items():
                where = self._where("stock.yml", (*key, loc_id), at_key=True)
                if location_ids is not None and loc_id not in location_ids:
                    self.problems.append(
                        f"{where}: {format_key((*key, loc_id))}: unknown location; use one of "
                        f"{', '.join(location_ids)}, restock_date or restock_in_days"
                    )
                elif not isinstance(units, int) or isinstance(units, bool) or units < 0:
                    where = self._where("stock.yml", (*key, loc_id))
                    self.problems.append(
                        f"{where}: {format_key((*key, loc_id))}: {units!r} is not a number of "
                        "units (0 or more)"
                    )
                else:
                    quantities[loc_id] = units
            restock = None
            if entry.restock_date is not None and entry.restock_in_days is not None:
                self.problems.append(
                    f"{self._where('stock.yml', key)}: stock.{sku}: restock_date and "
                    "restock_in_days both given; keep one"
                )
            elif entry.restock_date is not None or entry.restock_in_days is not None:
                restock = DateSpec(entry.restock_date, entry.restock_in_days)
                if any(quantities.values()):
                    self.problems.append(
                        f"{self._where('stock.yml', key)}: stock.{sku}: a restock date is only "
                        "for variants sold out everywhere, but this one has units in stock"
                    )
            result[sku] = StockRecord(sku, quantities, restock)
        return result

    def _orders(
        self, model: OrdersFileModel | None, skus: set[str] | None
    ) -> tuple[OrderRecord, ...] | None:
        if model is None:
            return None
        seen: dict[str, str] = {}
        result = []
        for index, raw in enumerate(model.orders):
            key: tuple[str | int, ...] = ("orders", index)
            label = f"orders[{index}]"
            where = self._where("orders.yml", key)
            self._duplicate(
                seen,
                raw.number,
                self._where("orders.yml", (*key, "number")),
                f"{label}.number",
                "order number",
            )
            carrier = model.carriers.get(raw.carrier) if raw.carrier else None
            if raw.carrier and carrier is None:
                known = ", ".join(model.carriers) or "none defined under `carriers:`"
                self.problems.append(
                    f"{self._where('orders.yml', (*key, 'carrier'))}: {label}.carrier: unknown "
                    f"carrier {raw.carrier!r}; use one of {known}"
                )
            if raw.status in ("shipped", "delivered") and not (raw.carrier and raw.tracking_code):
                self.problems.append(
                    f"{where}: {label}: a {raw.status} order needs a carrier and a tracking_code"
                )
            if raw.tracking_code and raw.status in ("received", "processing", "cancelled"):
                self.problems.append(
                    f"{where}: {label}: a {raw.status} order has no tracking code yet; remove it "
                    "or set the status to shipped"
                )
            if raw.status == "shipped" and raw.expected_delivery is raw.expected_in_days is None:
                self.problems.append(
                    f"{where}: {label}: a shipped order needs expected_delivery or expected_in_days"
                )
            placed = self._date(raw.placed_on, raw.placed_days_ago, "placed", key, label, True)
            expected = self._date(
                raw.expected_delivery, raw.expected_in_days, "expected", key, label, False
            )
            if placed and expected and _before(expected, placed):
                self.problems.append(
                    f"{where}: {label}: expected delivery is before the order was placed"
                )
            for number, item in enumerate(raw.items):
                if skus is not None and item.sku not in skus:
                    self.problems.append(
                        f"{self._where('orders.yml', (*key, 'items', number, 'sku'))}: "
                        f"{label}.items[{number}].sku: unknown SKU {item.sku!r}; use a variant "
                        "SKU from products.yml"
                    )
            tracking_url = raw.tracking_url
            if tracking_url is None and carrier and raw.tracking_code:
                tracking_url = carrier.tracking_url.replace("{code}", raw.tracking_code)
            result.append(
                OrderRecord(
                    number=raw.number,
                    language=raw.language,
                    email=raw.email,
                    postal_code=raw.postal_code,
                    status=raw.status,
                    carrier=carrier.name if carrier else None,
                    tracking_code=raw.tracking_code,
                    tracking_url=tracking_url,
                    placed=placed or DateSpec(days=0),
                    expected=expected,
                    items=tuple(OrderItem(i.sku, i.quantity) for i in raw.items),
                    first_name=raw.first_name,
                    phone=raw.phone,
                    pickup_point=raw.pickup_point,
                )
            )
        return tuple(result)

    def _date(
        self,
        on: date | None,
        days: int | None,
        what: str,
        key: tuple[str | int, ...],
        label: str,
        required: bool,
    ) -> DateSpec | None:
        names = (
            ("placed_on", "placed_days_ago")
            if what == "placed"
            else ("expected_delivery", "expected_in_days")
        )
        if on is not None and days is not None:
            self.problems.append(
                f"{self._where('orders.yml', (*key, names[0]))}: {label}: {names[0]} and "
                f"{names[1]} both given; keep one"
            )
            return None
        if on is None and days is None:
            if required:
                self.problems.append(
                    f"{self._where('orders.yml', key)}: {label}: needs {names[0]} (YYYY-MM-DD) "
                    f"or {names[1]}"
                )
            return None
        if on is not None:
            return DateSpec(on=on)
        assert days is not None
        return DateSpec(days=-days if what == "placed" else days)


def _before(expected: DateSpec, placed: DateSpec) -> bool:
    """Whether ``expected`` is before ``placed`` (comparable only when both are of one kind)."""
    if expected.on is not None and placed.on is not None:
        return expected.on < placed.on
    if expected.days is not None and placed.days is not None:
        return expected.days < placed.days
    return False
