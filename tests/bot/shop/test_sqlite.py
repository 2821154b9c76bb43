"""The embedded SQLite backend: catalogue, stock per location, restock dates, verified orders."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from bot.shop.base import ShopBackend
from bot.shop.catalog import ShopDataError
from bot.shop.sqlite import SqliteShop
from tests.bot.shop.small_shop import write_small_shop
from tests.conftest import ROOT, write

TODAY = date(2025, 3, 10)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_small_shop(tmp_path / "shop")


@pytest.fixture
def shop(data_dir: Path, tmp_path: Path) -> SqliteShop:
    return SqliteShop(data_dir, tmp_path / "db", today=lambda: TODAY, check_interval=0)


def test_is_a_shop_backend(shop: SqliteShop) -> None:
    backend: ShopBackend = shop
    assert [p.id for p in backend.products()] == ["pack", "lamp"]


def test_catalogue_and_locations(shop: SqliteShop) -> None:
    pack = shop.product("pack")
    assert pack is not None and pack.sku == "P-1"
    assert pack.name == {
        "fi": "Vaellus 45 -rinkka",
        "sv": "Vaellus 45 ryggsäck",
        "en": "Vaellus 45 backpack",
    }
    assert [v.sku for v in pack.variants] == ["P-1-M-BLK", "P-1-L-BLK"]
    assert pack.variants[1].attributes == {"size": "L", "colour": "black"}
    assert shop.product("nope") is None
    locations = shop.locations()
    assert [(loc.id, loc.is_store) for loc in locations] == [("online", False), ("tampere", True)]
    assert locations[1].name["sv"] == "butiken i Tammerfors"
    assert shop.aliases()["tampere"] == ("tampere", "tammerfors")


def test_stock_of_every_variant_at_every_location(shop: SqliteShop) -> None:
    pack = shop.product("pack")
    assert pack is not None
    medium, large = shop.stock(pack)
    assert [(lv.location.id, lv.quantity) for lv in medium.levels] == [
        ("online", 3),
        ("tampere", 1),
    ]
    assert (medium.online, medium.in_stores, medium.sold_out, medium.restock_date) == (
        3,
        1,
        False,
        None,
    )
    assert large.sold_out and large.restock_date == date(2025, 3, 15)  # restock_in_days: 5
    only = shop.stock(pack, pack.variants[1])
    assert [s.variant.sku for s in only] == ["P-1-L-BLK"]
    lamp = shop.product("lamp")
    assert lamp is not None
    (in_store,) = shop.stock(lamp)
    assert (in_store.online, in_store.in_stores) == (0, 2)


def test_stock_of_unknown_product_or_foreign_variant_is_empty(shop: SqliteShop) -> None:
    pack, lamp = shop.products()
    assert shop.stock(pack, lamp.variants[0]) == []
    ghost = type(pack)(id="ghost", sku="G", name={}, description={})
    assert shop.stock(ghost) == []


def test_past_restock_date_is_not_given(data_dir: Path, tmp_path: Path) -> None:
    write(data_dir / "stock.yml", "stock:\n  P-1-M-BLK: {restock_date: 2025-03-01}\n")
    shop = SqliteShop(data_dir, tmp_path / "db", today=lambda: TODAY)
    pack = shop.product("pack")
    assert pack is not None
    medium, large = shop.stock(pack)
    assert medium.sold_out and medium.restock_date is None
    assert large.sold_out and large.restock_date is None  # not in stock.yml at all
    later = SqliteShop(data_dir, tmp_path / "db", today=lambda: date(2025, 2, 1))
    assert later.stock(pack)[0].restock_date == date(2025, 3, 1)


@pytest.mark.parametrize(
    "proof",
    [
        "Aino.Virtanen@example.com",
        "aino.virtanen@EXAMPLE.com",
        "  aino.virtanen@example.com ",
        "00100",
        "00 100",
        " 001 00 ",
    ],
)
def test_order_with_email_or_postal_code(shop: SqliteShop, proof: str) -> None:
    order = shop.order("100001", proof)
    assert order is not None
    assert (order.number, order.status, order.language) == ("100001", "shipped", "fi")
    assert (order.carrier, order.tracking_code) == ("Posti", "JJFI1")
    assert order.tracking_url == "https://track.example/JJFI1"
    assert order.placed_on == date(2025, 3, 6)  # placed_days_ago: 4
    assert order.expected_delivery == date(2025, 3, 9)  # expected_in_days: -1
    assert order.is_late(TODAY)
    assert order.items == ("2 × Vaellus 45 -rinkka (M, musta)", "Kiilo otsalamppu")


@pytest.mark.parametrize(
    ("number", "proof"),
    [
        ("100001", "someone.else@example.com"),
        ("100001", "00101"),
        ("100001", ""),
        ("100001", "   "),
        ("999999", "aino.virtanen@example.com"),
        ("999999", "00100"),
        ("100002", "00100"),  # another order's postal code
        ("", ""),
    ],
)
def test_wrong_proof_and_unknown_number_look_the_same(
    shop: SqliteShop, number: str, proof: str
) -> None:
    assert shop.order(number, proof) is None


def test_order_number_spacing_and_hash(shop: SqliteShop) -> None:
    assert shop.order(" #100002 ", "sam@example.com") is not None
    assert shop.order("100 002", "33100") is not None


def test_absolute_dates_and_cancelled_order(shop: SqliteShop) -> None:
    delivered = shop.order("100002", "SAM@example.com")
    assert delivered is not None
    assert (delivered.placed_on, delivered.expected_delivery) == (
        date(2025, 1, 2),
        date(2025, 1, 4),
    )
    assert not delivered.is_late(TODAY)  # delivered orders are never late
    assert delivered.language == "en" and delivered.items == ()
    cancelled = shop.order("100003", "22100")
    assert cancelled is not None
    assert (cancelled.status, cancelled.expected_delivery, cancelled.carrier) == (
        "cancelled",
        None,
        None,
    )
    assert cancelled.tracking_url is None


def test_a_ready_for_pickup_order_says_where_and_is_not_late(shop: SqliteShop) -> None:
    waiting = shop.order("100004", "00100")

    assert waiting is not None and waiting.status == "ready_for_pickup"
    assert waiting.pickup_point == "Kaira Tampere, Hämeenkatu 5"
    assert not waiting.is_late(TODAY)  # its expected date has passed, but it has arrived


def test_a_customers_orders_by_email_in_any_case_newest_first(shop: SqliteShop) -> None:
    aino = shop.orders_of(" AINO.virtanen@example.com", 5)

    assert [(o.number, o.status) for o in aino] == [
        ("100001", "shipped"),  # placed 4 days ago
        ("100004", "ready_for_pickup"),  # 6 days ago
    ]
    assert [o.number for o in shop.orders_of("aino.virtanen@example.com", 1)] == ["100001"]
    assert shop.orders_of("nobody@example.com", 5) == []


def test_relative_dates_follow_today(data_dir: Path, tmp_path: Path) -> None:
    days = iter([date(2025, 3, 10), date(2025, 4, 1)])
    shop = SqliteShop(data_dir, tmp_path / "db", today=lambda: next(days))
    first = shop.order("100001", "00100")
    second = shop.order("100001", "00100")
    assert first is not None and second is not None
    assert (first.placed_on, second.placed_on) == (date(2025, 3, 6), date(2025, 3, 28))


def test_database_is_reused_and_rebuilt_when_the_files_change(
    data_dir: Path, tmp_path: Path
) -> None:
    shop = SqliteShop(data_dir, tmp_path / "db", today=lambda: TODAY, check_interval=0)
    first_path = shop.path
    built_at = first_path.stat().st_mtime_ns
    again = SqliteShop(data_dir, tmp_path / "db")
    assert again.path == first_path and first_path.stat().st_mtime_ns == built_at
    write(data_dir / "stock.yml", "stock:\n  P-1-M-BLK: {online: 7}\n  P-1-L-BLK: {}\n  L-1: {}\n")
    _touch_later(data_dir / "stock.yml")
    pack = shop.product("pack")  # check_interval=0: every call looks at the files
    assert pack is not None
    assert shop.stock(pack)[0].online == 7
    assert shop.path != first_path
    assert sorted(p.name for p in (tmp_path / "db").glob("*.sqlite")) == [shop.path.name]


def test_two_shop_directories_share_the_cache_without_deleting_each_other(
    data_dir: Path, tmp_path: Path
) -> None:
    other_dir = write_small_shop(tmp_path / "other-shop")
    write(other_dir / "stock.yml", "stock:\n  P-1-M-BLK: {online: 9}\n  P-1-L-BLK: {}\n  L-1: {}\n")
    shop = SqliteShop(data_dir, tmp_path / "db", today=lambda: TODAY, check_interval=0)
    assert shop.order("100001", "00100") is not None

    other = SqliteShop(other_dir, tmp_path / "db", today=lambda: TODAY, check_interval=0)

    assert other.path != shop.path
    assert shop.order("100001", "00100") is not None  # its database was not removed
    assert other.order("100001", "00100") is not None


def test_invalid_edit_keeps_the_last_good_data(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shop = SqliteShop(data_dir, tmp_path / "db", today=lambda: TODAY, check_interval=0)
    write(data_dir / "stock.yml", "stock:\n  P-1-M-BLK: {online: many}\n")
    _touch_later(data_dir / "stock.yml")
    assert shop.refresh() is False
    assert "stock.yml:2:23: stock.P-1-M-BLK.online: 'many' is not a number of units" in caplog.text
    pack = shop.product("pack")
    assert pack is not None and shop.stock(pack)[0].online == 3


def test_invalid_data_at_start_raises_with_every_problem(data_dir: Path, tmp_path: Path) -> None:
    write(data_dir / "stock.yml", "stock:\n  NOPE: {online: 1}\n")
    with pytest.raises(ShopDataError) as caught:
        SqliteShop(data_dir, tmp_path / "db")
    assert caught.value.problems == [
        f"{data_dir}/stock.yml:2:3: stock.NOPE: unknown SKU; use a variant SKU from products.yml"
    ]


def test_shipped_data_answers_the_demo_questions(tmp_path: Path) -> None:
    shop = SqliteShop(ROOT / "data" / "shop", tmp_path / "db", today=lambda: TODAY)
    order = shop.order("100234", "AINO.VIRTANEN@example.com")
    assert order is not None and order.status == "shipped" and order.carrier == "Posti"
    assert order.items[0] == "Vaellus 45 -rinkka (M, musta)"
    late = shop.order("100238", "90100")
    assert late is not None and late.is_late(TODAY) and late.carrier == "Matkahuolto"
    assert shop.order("100238", "90101") is None
    pack = shop.product("vaellus_45")
    assert pack is not None
    by_sku = {s.variant.sku: s for s in shop.stock(pack)}
    assert by_sku["KO-VA45-M-GRN"].sold_out
    assert by_sku["KO-VA45-M-GRN"].restock_date == date(2025, 3, 22)
    assert by_sku["KO-VA45-M-BLK"].online == 0 and by_sku["KO-VA45-M-BLK"].in_stores == 3


def _touch_later(path: Path) -> None:
    """Make sure the edit is seen even on filesystems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_warnings_are_kept_with_the_database(data_dir: Path, tmp_path: Path) -> None:
    write(data_dir / "stock.yml", "stock:\n  P-1-M-BLK: {online: 1}\n  P-1-L-BLK: {}\n")
    built = SqliteShop(data_dir, tmp_path / "db")
    reopened = SqliteShop(data_dir, tmp_path / "db")
    assert len(built.warnings) == 1 and "L-1: not in stock.yml" in built.warnings[0]
    assert reopened.warnings == built.warnings
