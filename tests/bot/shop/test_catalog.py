"""Loading data/shop: the shipped demo data, and every problem at once with file:line:col."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.shop.catalog import STATUSES, Catalog, ShopDataError, load_catalog
from tests.bot.shop.small_shop import write_small_shop
from tests.conftest import ROOT, write

SHOP = ROOT / "data" / "shop"


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ShopDataError) as caught:
        load_catalog(directory)
    return caught.value.problems


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(SHOP)


def test_shipped_data_is_valid_and_complete(shipped: Catalog) -> None:
    assert shipped.warnings == ()
    assert [loc.id for loc in shipped.locations] == [
        "online",
        "helsinki",
        "tampere",
        "oulu",
        "turku",
    ]
    assert [loc.is_store for loc in shipped.locations] == [False, True, True, True, True]
    assert shipped.locations[2].name["sv"] == "butiken i Tammerfors"
    assert len(shipped.products) >= 30
    for product in shipped.products:
        assert set(product.name) == set(product.description) == {"fi", "sv", "en"}
        assert product.variants
    assert len(shipped.orders) >= 15
    assert len({o.number for o in shipped.orders}) == len(shipped.orders)


def test_shipped_data_has_the_demo_situations(shipped: Catalog) -> None:
    stores = {loc.id for loc in shipped.locations if loc.is_store}
    records = list(shipped.stock.values())
    sold_out = [r for r in records if not any(r.quantities.values())]
    assert any(r.restock is not None for r in sold_out), "sold out with a restock date"
    assert any(r.restock is None for r in sold_out), "sold out, date unknown"
    assert any(set(r.quantities) <= stores and any(r.quantities.values()) for r in records)
    assert any(set(r.quantities) == {"online"} for r in records), "only online"
    today = date(2025, 6, 1)
    statuses = {o.status for o in shipped.orders}
    assert statuses == set(STATUSES)  # every status, ready_for_pickup too
    late = [
        o
        for o in shipped.orders
        if o.status == "shipped" and o.expected and o.expected.resolve(today) < today
    ]
    assert late, "at least one late shipped order"
    assert {o.language for o in shipped.orders} == {"fi", "sv", "en"}
    order = next(o for o in shipped.orders if o.number == "100234")
    assert order.tracking_url == f"https://www.posti.fi/fi/seuranta#/lahetys/{order.tracking_code}"


def test_shipped_relative_dates_keep_the_demo_fresh(shipped: Catalog) -> None:
    for order in shipped.orders:
        assert order.placed.on is None and order.placed.days is not None
        assert order.expected is None or order.expected.on is None


def test_small_shop_loads(tmp_path: Path) -> None:
    catalog = load_catalog(write_small_shop(tmp_path / "shop"))
    pack = catalog.products[0]
    assert pack.name["fi"] == "Vaellus 45 -rinkka"
    assert pack.variants[0].attributes == {"size": "M", "colour": "black"}
    assert catalog.products[1].variants[0].attributes == {}
    assert catalog.aliases["tampere"] == ("tampere", "tammerfors")
    assert catalog.stock["P-1-L-BLK"].restock is not None
    assert catalog.stock["P-1-L-BLK"].restock.resolve(date(2025, 1, 1)) == date(2025, 1, 6)
    first = catalog.orders[0]
    assert first.carrier == "Posti" and first.tracking_url == "https://track.example/JJFI1"
    assert first.placed.resolve(date(2025, 1, 10)) == date(2025, 1, 6)
    assert catalog.orders[1].placed.resolve(date(2030, 1, 1)) == date(2025, 1, 2)
    assert catalog.orders[2].expected is None


def test_variant_missing_from_stock_is_a_warning(tmp_path: Path) -> None:
    directory = write_small_shop(tmp_path / "shop")
    write(directory / "stock.yml", "stock:\n  P-1-M-BLK: {online: 1}\n  P-1-L-BLK: {}\n")
    warnings = load_catalog(directory).warnings
    assert len(warnings) == 1
    assert "products.yml:14:9: L-1: not in stock.yml; counted as sold out" in warnings[0]


def test_missing_file(tmp_path: Path) -> None:
    directory = write_small_shop(tmp_path / "shop")
    (directory / "orders.yml").unlink()
    assert problems_of(directory) == [
        f"{directory}/orders.yml:1:1: file missing; every shop data directory needs orders.yml"
    ]


def test_every_problem_at_once_with_positions(tmp_path: Path) -> None:
    directory = write_small_shop(tmp_path / "shop")
    write(
        directory / "products.yml",
        """\
        products:
          - id: pack
            sku: P-1
            name: {fi: Rinkka, en: Backpack}
            description: {fi: Rinkka, sv: Ryggsäck, en: Backpack}
            variants:
              - {sku: P-1-M, size: M}
              - {sku: P-1-M, size: M, colour: black}
          - id: pack
            sku: L-1
            name: {fi: Lamppu, sv: Lampa, en: Lamp}
            description: {fi: Lamppu, sv: Lampa, en: Lamp}
            variants:
              - {sku: L-1, weight: 2}
        """,
    )
    write(
        directory / "stock.yml",
        """\
        stock:
          P-1-M: {online: 2, tampre: 1}
          P-9: {online: 1}
          L-1: {online: -1, restock_date: 2025-01-01, restock_in_days: 3}
        """,
    )
    write(
        directory / "orders.yml",
        """\
        carriers:
          posti: {name: Posti, tracking_url: "https://track.example/{code}"}
        orders:
          - number: "100001"
            language: fi
            email: a@example.com
            postal_code: 00100
            status: shipped
            carrier: postnord
            placed_days_ago: 2
            expected_in_days: -5
            items:
              - {sku: NOPE}
          - number: "100001"
            language: de
            email: not-an-email
            postal_code: "00100"
            status: processing
            tracking_code: X1
        """,
    )
    problems = problems_of(directory)
    text = "\n".join(problems)
    products, stock, orders = (f"{directory}/{n}.yml" for n in ("products", "stock", "orders"))
    expected = [
        f"{products}:4:11: products[0].name.sv: required key is missing",
        f"{products}:14:20: products[1].variants[0].weight: unknown key; remove it",
        f"{orders}:7:18: orders[0].postal_code: write it in quotes",
        f"{orders}:15:15: orders[1].language: unknown value 'de'",
        f"{orders}:16:12: orders[1].email: 'not-an-email' is not an email address",
        f"{stock}:2:22: stock.P-1-M.tampre: unknown location; use one of online, tampere",
        f"{stock}:4:17: stock.L-1.online: -1 is not a number of units",
        f"{stock}:4:8: stock.L-1: restock_date and restock_in_days both given; keep one",
    ]
    for line in expected:
        assert line in text, f"missing: {line}\n--- got:\n{text}"


def test_cross_reference_problems(tmp_path: Path) -> None:
    directory = write_small_shop(tmp_path / "shop")
    write(
        directory / "products.yml",
        """\
        products:
          - id: pack
            sku: P-1
            name: {fi: Rinkka, sv: Ryggsäck, en: Backpack}
            description: {fi: Rinkka, sv: Ryggsäck, en: Backpack}
            variants:
              - {sku: P-1-M, size: M}
              - {sku: P-1-M, size: M}
          - id: pack
            sku: L-1
            name: {fi: Lamppu, sv: Lampa, en: Lamp}
            description: {fi: Lamppu, sv: Lampa, en: Lamp}
            variants:
              - {sku: L-1}
        """,
    )
    write(
        directory / "stock.yml",
        "stock:\n  P-1-M: {online: 2, restock_in_days: 3}\n  L-2: {tampere: 1}\n",
    )
    write(
        directory / "orders.yml",
        """\
        carriers:
          posti: {name: Posti, tracking_url: "https://track.example/{code}"}
        orders:
          - number: "100001"
            language: fi
            email: a@example.com
            postal_code: "00100"
            status: shipped
            carrier: postnord
            placed_days_ago: 2
            expected_in_days: -5
            items:
              - {sku: NOPE}
          - number: "100001"
            language: sv
            email: b@example.com
            postal_code: "00100"
            status: processing
            tracking_code: X1
            placed_on: 2025-01-05
            placed_days_ago: 1
        """,
    )
    text = "\n".join(problems_of(directory))
    products, stock, orders = (f"{directory}/{n}.yml" for n in ("products", "stock", "orders"))
    expected = [
        f"{products}:8:15: products[0].variants[1].sku: duplicate variant SKU 'P-1-M' (first at "
        f"{products}:7:15)",
        f"{products}:8:9: products[0].variants[1]: same size and colour as variants[0]",
        f"{products}:9:9: products[1].id: duplicate product id 'pack'",
        f"{stock}:2:10: stock.P-1-M: a restock date is only for variants sold out everywhere",
        f"{stock}:3:3: stock.L-2: unknown SKU; use a variant SKU from products.yml",
        f"{orders}:9:14: orders[0].carrier: unknown carrier 'postnord'; use one of posti",
        f"{orders}:4:5: orders[0]: a shipped order needs a carrier and a tracking_code",
        f"{orders}:4:5: orders[0]: expected delivery is before the order was placed",
        f"{orders}:13:15: orders[0].items[0].sku: unknown SKU 'NOPE'",
        f"{orders}:14:13: orders[1].number: duplicate order number '100001'",
        f"{orders}:14:5: orders[1]: a processing order has no tracking code yet",
        f"{orders}:20:16: orders[1]: placed_on and placed_days_ago both given; keep one",
    ]
    for line in expected:
        assert line in text, f"missing: {line}\n--- got:\n{text}"


def test_yaml_syntax_error_is_reported_with_the_other_files(tmp_path: Path) -> None:
    directory = write_small_shop(tmp_path / "shop")
    write(directory / "stock.yml", "stock:\n  P-1-M-BLK: {online: 3\n")
    write(directory / "locations.yml", "locations:\n  - id: Online\n    store: false\n")
    text = "\n".join(problems_of(directory))
    assert f"{directory}/stock.yml:3:1: YAML syntax error" in text
    assert f"{directory}/locations.yml:2:9: locations[0].id: 'Online' does not match" in text
    assert f"{directory}/locations.yml:2:5: locations[0].name: required key is missing" in text
