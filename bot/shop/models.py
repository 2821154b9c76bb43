"""What the shop backends return (plain data, the same for every backend)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

Texts = dict[str, str]  # language code → text (fi, sv, en)


@dataclass(frozen=True)
class Location:
    """Where stock is: the online warehouse or a store."""

    id: str  # "online", "helsinki", "tampere", ...
    name: Texts  # {"fi": "Tampereen myymälä", "sv": "Tammerforsbutiken", "en": "Tampere store"}
    is_store: bool


@dataclass(frozen=True)
class Variant:
    """One buyable variant of a product (a size and/or colour)."""

    sku: str
    attributes: dict[str, str] = field(default_factory=dict)  # {"size": "M", "colour": "black"}


@dataclass(frozen=True)
class Product:
    """A catalogue product with its variants, in fi/sv/en."""

    id: str
    sku: str
    name: Texts
    description: Texts
    variants: tuple[Variant, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class StockLevel:
    """How many of one variant are at one location."""

    location: Location
    quantity: int


@dataclass(frozen=True)
class VariantStock:
    """Stock of one variant everywhere, and when it is expected back if sold out."""

    product: Product
    variant: Variant
    levels: tuple[StockLevel, ...]
    restock_date: date | None = None

    @property
    def online(self) -> int:
        """Units in the online warehouse."""
        return sum(level.quantity for level in self.levels if not level.location.is_store)

    @property
    def in_stores(self) -> int:
        """Units in all stores together."""
        return sum(level.quantity for level in self.levels if level.location.is_store)

    @property
    def sold_out(self) -> bool:
        """Nothing anywhere."""
        return self.online + self.in_stores == 0


@dataclass(frozen=True)
class OrderStatus:
    """A verified shopper's order."""

    number: str
    status: str  # received | processing | shipped | ready_for_pickup | delivered | cancelled
    placed_on: date
    expected_delivery: date | None
    carrier: str | None
    tracking_code: str | None
    tracking_url: str | None
    items: tuple[str, ...] = ()
    language: str = "fi"  # the language the order was placed in
    first_name: str | None = None  # the shopper's, for a personal answer once verified
    pickup_point: str | None = None  # where a ready_for_pickup order waits
    email: str | None = None  # the customer's (their other orders, for the agent)

    def is_late(self, today: date) -> bool:
        """Not delivered and past its expected delivery date."""
        return (
            self.status not in ("ready_for_pickup", "delivered", "cancelled")
            and self.expected_delivery is not None
            and self.expected_delivery < today
        )
