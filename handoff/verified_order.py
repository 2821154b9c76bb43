"""The order a shopper verified in this chat, for the ticket (README "Help for agents").

The order form (actions/shop_orders.py) sets the ``order_proof`` slot only to a proof the shop
accepted, and clears it again after telling the status, so a non-empty ``order_proof`` event in
the conversation's tracker, with the ``order_number`` set before it, is a verified order. The
order is read from the shop again, so the agent sees its current status.

Once an order is verified, the customer's other orders (same email on the order) are listed
too, the newest :data:`OTHER_ORDERS` of them; never for a chat that verified nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from pydantic import BaseModel

from bot.contact import find_proof
from bot.conversation import SLOT_ORDER_NUMBER, SLOT_ORDER_PROOF
from bot.shop.base import ShopBackend
from bot.shop.models import OrderStatus

OTHER_ORDERS = 5  # how many of the customer's other orders the ticket lists


class OtherOrder(BaseModel):
    """Another order of the same customer, in brief."""

    number: str
    placed_on: str
    status: str


class VerifiedOrder(BaseModel):
    """What the ticket shows of the order."""

    number: str
    status: str
    placed_on: str
    expected_delivery: str | None
    items: list[str]
    carrier: str | None
    tracking_code: str | None
    tracking_url: str | None
    pickup_point: str | None = None
    other_orders: list[OtherOrder] = []

    @classmethod
    def of(cls, order: OrderStatus) -> Self:
        """The ticket's view of a shop order."""
        return cls(
            number=order.number,
            status=order.status,
            placed_on=order.placed_on.isoformat(),
            expected_delivery=order.expected_delivery.isoformat()
            if order.expected_delivery
            else None,
            items=list(order.items),
            carrier=order.carrier,
            tracking_code=order.tracking_code,
            tracking_url=order.tracking_url,
            pickup_point=order.pickup_point,
        )


def verified_proof(events: Iterable[dict[str, Any]]) -> tuple[str, str] | None:
    """(order number, proof the shopper typed) of the last order verified in ``events``."""
    number: str | None = None
    found: tuple[str, str] | None = None
    for event in events:
        if event.get("event") != "slot":
            continue
        if event.get("name") == SLOT_ORDER_NUMBER:
            number = str(event["value"]) if event.get("value") else None
        elif event.get("name") == SLOT_ORDER_PROOF and event.get("value") and number:
            found = (number, str(event["value"]))
    return found


def verified_order(events: Iterable[dict[str, Any]], shop: ShopBackend) -> VerifiedOrder | None:
    """The order verified in this conversation, as the shop has it now (None: none verified),
    with the customer's other orders.

    Raises:
        ShopError: the shop did not answer.
    """
    proof = verified_proof(events)
    if proof is None:
        return None
    number, message = proof
    checked = find_proof(message)
    order = shop.order(number, checked) if checked is not None else None
    if order is None:
        return None
    shown = VerifiedOrder.of(order)
    if order.email:
        others = [
            o for o in shop.orders_of(order.email, OTHER_ORDERS + 1) if o.number != order.number
        ]
        shown.other_orders = [
            OtherOrder(number=o.number, placed_on=o.placed_on.isoformat(), status=o.status)
            for o in others[:OTHER_ORDERS]
        ]
    return shown
