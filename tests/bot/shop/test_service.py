from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ShopUnavailable
from bot.shop.attempts import AttemptLimiter, AttemptLimits, Client
from bot.shop.base import ShopBackend
from bot.shop.notifications import RestockStore
from bot.shop.search import ProductSearch
from bot.shop.service import OrderCheck, ShopService, Wish, find_order_number
from bot.shop.sqlite import SqliteShop
from tests.bot.shop.small_shop import write_small_shop
from tests.deadline import finishes
from tests.fakes import HashingEncoder


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("missä on tilaukseni 100234?", "100234"),
        ("order #100235 please", "100235"),
        ("ordernummer: 100236.", "100236"),
        ("100234 ja 100235", None),  # two numbers: ask rather than guess
        ("postinumero 00100", None),
        ("KO-VA45-100234", None),  # part of a product code
        ("tilaus 1002345", None),
    ],
)
def test_order_numbers(text: str, number: str | None) -> None:
    assert find_order_number(text) == number


def test_wish_survives_the_slot_round_trip() -> None:
    wish = Wish({"size": "M", "colour": "black"}, "tampere")
    assert Wish.from_slot(wish.as_slot()) == wish
    assert Wish.from_slot(None) == Wish()


@given(st.one_of(st.text(alphabet="#0123456789 -x\n", max_size=40), st.text()))
def test_an_order_number_found_is_six_digits_of_the_text(text: str) -> None:
    number = find_order_number(text)
    assert number is None or (len(number) == 6 and number.isdigit() and number in text)


@pytest.mark.parametrize("text", ["1" * 200_000, "#123456-" * 25_000, "# " * 100_000])
def test_a_huge_message_is_read_in_linear_time(text: str) -> None:
    assert finishes(find_order_number, text)


# --- the order-proof limit ------------------------------------------------------------------


class Down:
    """A backend whose order lookups fail (the shop system does not answer)."""

    def __init__(self, shop: SqliteShop) -> None:
        self.shop = shop

    def __getattr__(self, name: str) -> object:
        return getattr(self.shop, name)

    def order(self, number: str, proof: str) -> None:
        raise ShopUnavailable("down")


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> SqliteShop:
    return SqliteShop(write_small_shop(tmp_path / "shop"), tmp_path / "db", check_interval=0)


def service(backend: ShopBackend, tmp_path: Path) -> ShopService:
    search = ProductSearch(backend.products(), HashingEncoder())
    limits = AttemptLimits(per_order=3, per_conversation=10, per_address=10)
    attempts = AttemptLimiter(tmp_path / "attempts.db", limits)
    return ShopService(backend, search, RestockStore(tmp_path / "restock.db"), attempts)


def test_guessing_stops_across_conversations_even_with_the_right_proof(
    sqlite_shop: SqliteShop, tmp_path: Path
) -> None:
    shop = service(sqlite_shop, tmp_path)
    checks = [
        shop.check_order("100001", f"0010{i}", Client(conversation=f"c{i}")) for i in (1, 2, 3)
    ]

    assert [c.locked for c in checks] == [False, False, True]
    assert all(c.order is None for c in checks)
    right = shop.check_order("100001", "00100", Client(conversation="new"))
    assert right == OrderCheck(locked=True)
    assert shop.orders_locked(Client(conversation="new"), "100001")
    found = shop.check_order("100002", "33100", Client(conversation="new"))
    assert found.order is not None and found.order.number == "100002"


def test_an_unknown_number_locks_like_a_known_one(sqlite_shop: SqliteShop, tmp_path: Path) -> None:
    shop = service(sqlite_shop, tmp_path)

    def guesses(number: str) -> list[OrderCheck]:
        return [
            shop.check_order(number, "99999", Client(conversation=f"{number}-{i}"))
            for i in range(4)
        ]

    assert guesses("100001") == guesses("999999")


def test_a_right_proof_and_a_shop_failure_do_not_count(
    sqlite_shop: SqliteShop, tmp_path: Path
) -> None:
    shop = service(sqlite_shop, tmp_path)
    for i in range(5):
        assert shop.check_order("100001", "00100", Client(conversation=f"c{i}")).order is not None
    down = service(Down(sqlite_shop), tmp_path)  # type: ignore[arg-type]
    for i in range(5):
        with pytest.raises(ShopUnavailable):
            down.check_order("100001", "00100", Client(conversation=f"d{i}"))

    assert not shop.orders_locked(Client(conversation="c0"), "100001")
