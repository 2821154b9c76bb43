"""The interface every shop backend implements."""

from __future__ import annotations

from typing import Protocol

from bot.shop.models import Location, OrderStatus, Product, Variant, VariantStock


class ShopBackend(Protocol):
    """Products, stock, restock dates and orders of one shop.

    Backends raise :class:`bot.errors.ShopUnavailable` when the shop system does not answer,
    so the conversation can offer a person instead.
    """

    def products(self) -> list[Product]:
        """The whole catalogue (product search runs over it, see bot.shop.search)."""
        ...

    def locations(self) -> list[Location]:
        """The online warehouse and the stores."""
        ...

    def stock(self, product: Product, variant: Variant | None = None) -> list[VariantStock]:
        """Stock of one variant, or of every variant of the product when ``variant`` is None."""
        ...

    def order(self, number: str, proof: str) -> OrderStatus | None:
        """The order, only if ``proof`` (its email address or postal code) matches.

        An unknown number and a wrong proof both give None, so nobody can probe which
        order numbers exist.
        """
        ...

    def orders_of(self, email: str, limit: int) -> list[OrderStatus]:
        """The newest ``limit`` orders placed with ``email`` (any case), newest first.

        Only for a customer who already proved an order of theirs (the agent console).
        """
        ...
