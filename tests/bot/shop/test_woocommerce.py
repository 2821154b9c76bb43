from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date

import pytest

from bot.errors import ShopError, ShopUnavailable
from bot.shop.models import Location, Product
from bot.shop.wc_client import WooCommerceClient
from bot.shop.wc_mapping import add_working_days, attribute_key
from bot.shop.woocommerce import WooCommerceShop
from tests.bot.shop.woo_server import KEY, SECRET, WooState, order, product, variation, woo_server

BACKPACK_ATTRIBUTES = [
    {
        "id": 1,
        "name": "Koko",
        "position": 0,
        "visible": True,
        "variation": True,
        "options": ["M", "L"],
    },
    {
        "id": 2,
        "name": "pa_vari",
        "position": 1,
        "visible": True,
        "variation": True,
        "options": ["Musta", "Vihreä"],
    },
]


def catalogue(state: WooState) -> None:
    """Kaira's small demo catalogue: a variable backpack, a simple mug, hidden extras."""
    state.products = [
        product(
            101,
            "Vaellus 45 -reppu",
            type="variable",
            sku="KO-V45",
            description="<p>Kestävä 45 litran vaellusreppu &amp; sadesuoja.</p>\n",
            short_description="<p>45 litran vaellusreppu</p>",
            attributes=BACKPACK_ATTRIBUTES,
            variations=[1011, 1012, 1013],
            meta={
                "faqbot_name_sv": "Vandringsryggsäck Vaellus 45",
                "faqbot_name_en": "Vaellus 45 hiking backpack",
                "faqbot_restock_date": "2025-04-15",
            },
        ),
        product(103, "Retkimuki", description="<p>Emalimuki</p>", manage_stock=False),
        product(104, "Luonnos", status="draft"),
        product(105, "Piilotettu lahjakortti", visibility="hidden"),
        product(106, "Retkipaketti", type="grouped"),
    ]
    state.variations = {
        101: [
            variation(
                1011,
                101,
                {"Koko": "M", "pa_vari": "Musta"},
                sku="KO-V45-M-BLK",
                stock_quantity=4,
                meta={"faqbot_store_stock": {"Tampere": 2, "helsinki": 0}},
            ),
            variation(
                1012,
                101,
                {"Koko": "L", "pa_vari": "Musta"},
                sku="KO-V45-L-BLK",
                stock_quantity=0,
                stock_status="outofstock",
                meta={"faqbot_restock_date": "2025-04-01"},
            ),
            variation(
                1013,
                101,
                {"Koko": "L", "pa_vari": "Vihreä"},
                sku="",
                stock_quantity=0,
                stock_status="outofstock",
            ),
            variation(1014, 101, {"Koko": "M", "pa_vari": "Vihreä"}, status="private"),
        ]
    }


@pytest.fixture
def woo() -> Iterator[WooState]:
    with woo_server() as state:
        catalogue(state)
        yield state


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_shop(
    state: WooState,
    *,
    secret: str = SECRET,
    retries: int = 2,
    per_page: int = 100,
    clock: Clock | None = None,
    sleeps: list[float] | None = None,
    url: str | None = None,
    stores: tuple[Location, ...] = (),
) -> WooCommerceShop:
    pauses = sleeps if sleeps is not None else []
    client = WooCommerceClient(
        url or state.url,
        KEY,
        secret,
        timeout=2.0,
        retries=retries,
        backoff=0.01,
        per_page=per_page,
        sleep=pauses.append,
    )
    return WooCommerceShop(client, cache_seconds=300, clock=clock or Clock(), stores=stores)


def by_id(products: list[Product]) -> dict[str, Product]:
    return {p.id: p for p in products}


# --- catalogue ------------------------------------------------------------------------------


def test_products_map_names_variants_and_skus(woo: WooState) -> None:
    products = by_id(make_shop(woo).products())

    assert set(products) == {"101", "103"}  # draft, hidden and grouped ones are left out
    backpack = products["101"]
    assert backpack.sku == "KO-V45"
    assert backpack.name == {
        "fi": "Vaellus 45 -reppu",
        "sv": "Vandringsryggsäck Vaellus 45",
        "en": "Vaellus 45 hiking backpack",
    }
    assert backpack.description["fi"] == "45 litran vaellusreppu"
    assert backpack.url == "https://kairaoutdoor.example/product/vaellus-45-reppu/"
    assert [(v.sku, v.attributes) for v in backpack.variants] == [
        ("KO-V45-M-BLK", {"size": "M", "colour": "black"}),
        ("KO-V45-L-BLK", {"size": "L", "colour": "black"}),
        ("wc-1013", {"size": "L", "colour": "green"}),  # no SKU: made from the id
    ]  # the private (disabled) variation is not for sale

    mug = products["103"]
    assert mug.sku == "wc-103"
    assert mug.name == dict.fromkeys(("fi", "sv", "en"), "Retkimuki")
    assert mug.description["en"] == "Emalimuki"
    assert [(v.sku, v.attributes) for v in mug.variants] == [("wc-103", {})]


def test_request_uses_basic_auth_and_published_filter(woo: WooState) -> None:
    make_shop(woo).products()

    path, query = woo.requests[0]
    assert path == "products"
    assert query == {"status": "publish", "per_page": "100", "page": "1"}
    assert "products/101/variations" in woo.paths()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Koko", "size"),
        ("Size", "size"),
        ("Storlek", "size"),
        ("pa_size", "size"),
        ("attribute_pa_koko", "size"),
        ("Väri", "colour"),
        ("Colour", "colour"),
        ("Color", "colour"),
        ("Färg", "colour"),
        ("pa_color", "colour"),
        ("pa_vari", "colour"),
        ("Material", "material"),
        ("Cup size", "cup_size"),
    ],
)
def test_attribute_names(name: str, key: str) -> None:
    assert attribute_key(name) == key


def test_pagination_follows_total_pages(woo: WooState) -> None:
    woo.products = [product(200 + i, f"Tuote {i}") for i in range(5)]

    products = make_shop(woo, per_page=2).products()

    assert [p.id for p in products] == ["200", "201", "202", "203", "204"]
    pages = [q["page"] for path, q in woo.requests if path == "products"]
    assert pages == ["1", "2", "3"]
    assert all(q["per_page"] == "2" for _, q in woo.requests)


def test_catalogue_is_cached_for_a_while(woo: WooState) -> None:
    clock = Clock()
    shop = make_shop(woo, clock=clock)
    shop.products()
    asked = len(woo.requests)

    clock.now += 299
    shop.products()
    assert len(woo.requests) == asked

    clock.now += 2
    woo.products.append(product(107, "Otsalamppu"))
    assert "107" in by_id(shop.products())
    assert len(woo.requests) > asked


def test_stale_catalogue_is_served_while_the_shop_is_down(woo: WooState) -> None:
    clock = Clock()
    shop = make_shop(woo, clock=clock)
    first = shop.products()

    clock.now += 301
    woo.always = 503
    assert shop.products() == first  # product search keeps working
    with pytest.raises(ShopUnavailable):
        shop.stock(first[0])  # stock is never guessed


# --- stock ----------------------------------------------------------------------------------


def test_variation_stock_online_stores_and_restock(woo: WooState) -> None:
    tampere = Location("tampere", {"fi": "Tampere", "sv": "Tammerfors", "en": "Tampere"}, True)
    shop = make_shop(woo, stores=(tampere,))
    backpack = by_id(shop.products())["101"]

    stocks = {s.variant.sku: s for s in shop.stock(backpack)}

    assert set(stocks) == {"KO-V45-M-BLK", "KO-V45-L-BLK", "wc-1013"}
    medium = stocks["KO-V45-M-BLK"]
    assert medium.online == 4
    assert medium.in_stores == 2
    assert [(lv.location.id, lv.quantity) for lv in medium.levels] == [
        ("online", 4),
        ("helsinki", 0),
        ("tampere", 2),
    ]
    assert medium.levels[2].location.name["sv"] == "Tammerfors"  # configured store names
    assert medium.levels[1].location.name["fi"] == "Helsinki"  # unknown store: named after id
    assert medium.restock_date is None and not medium.sold_out

    large = stocks["KO-V45-L-BLK"]
    assert large.sold_out
    assert large.restock_date == date(2025, 4, 1)  # the variation's own date
    assert stocks["wc-1013"].restock_date == date(2025, 4, 15)  # falls back to the product's

    assert [loc.id for loc in shop.locations()] == ["online", "helsinki", "tampere"]


def test_stock_of_one_variant_is_read_fresh(woo: WooState) -> None:
    shop = make_shop(woo)
    backpack = by_id(shop.products())["101"]
    large = backpack.variants[1]
    assert shop.stock(backpack, large)[0].sold_out

    woo.variations[101][1]["stock_quantity"] = 3
    woo.variations[101][1]["stock_status"] = "instock"
    [stock] = shop.stock(backpack, large)

    assert stock.variant == large
    assert stock.online == 3 and stock.restock_date is None


def test_simple_product_stock(woo: WooState) -> None:
    shop = make_shop(woo)
    mug = by_id(shop.products())["103"]

    [stock] = shop.stock(mug)
    assert stock.online == 1  # in stock, quantity not managed

    woo.products[1].update(manage_stock=True, stock_quantity=12)
    assert shop.stock(mug, mug.variants[0])[0].online == 12
    woo.products[1].update(stock_status="onbackorder", stock_quantity=-2)
    assert shop.stock(mug)[0].sold_out


def test_stock_of_a_removed_product_is_empty(woo: WooState) -> None:
    shop = make_shop(woo)
    mug = by_id(shop.products())["103"]
    woo.products.pop(1)

    assert shop.stock(mug) == []


# --- orders ---------------------------------------------------------------------------------

TRACKING = [
    {
        "tracking_provider": "posti",
        "custom_tracking_provider": "",
        "custom_tracking_link": "",
        "tracking_number": "JJFI64123450012345678",
        "date_shipped": "1741046400",  # 2025-03-04
        "tracking_id": "0b9f3f7cbb5e4f2c",
    }
]


@pytest.fixture
def orders(woo: WooState) -> WooState:
    woo.orders = [
        order(100234, status="completed", tracking=TRACKING, completed="2025-03-04T15:00:00"),
        order(
            100235,
            status="processing",
            created="2025-03-07T15:30:00",
            postcode="00100",
            shipping_postcode="22100",
            email="Anna.Svensson@Example.SE",
            country="FI",
            meta={"wpml_language": "sv"},
        ),
        order(5512, number="KO-2025-0042", status="on-hold"),
    ]
    return woo


def test_order_with_the_right_email(orders: WooState) -> None:
    status = make_shop(orders).order("100234", "  MAIJA.Meikalainen@example.fi ")

    assert status is not None
    assert status.number == "100234"
    assert status.status == "shipped"
    assert status.placed_on == date(2025, 3, 3)
    assert status.carrier == "Posti"
    assert status.tracking_code == "JJFI64123450012345678"
    assert status.tracking_url == "https://www.posti.fi/fi/seuranta#/lahetys/JJFI64123450012345678"
    assert status.expected_delivery == date(2025, 3, 7)  # shipped Tue + 3 working days
    assert status.items == ("Vaellus 45 – Koko: M, Väri: Musta", "Retkimuki × 2")
    assert status.language == "fi"
    assert orders.paths()[-1] == "orders/100234"


def test_order_with_the_right_postcode(orders: WooState) -> None:
    shop = make_shop(orders)

    by_billing = shop.order("#100235", "00 100")
    by_shipping = shop.order("100235", "22100")

    assert by_billing is not None and by_billing == by_shipping
    assert by_billing.status == "processing"
    assert by_billing.language == "sv"
    # Friday after 14:00: leaves Monday, Åland postcode 22100 → 5 working days
    assert by_billing.expected_delivery == date(2025, 3, 17)
    assert by_billing.tracking_code is None and by_billing.carrier is None


def test_wrong_proof_or_unknown_order_gives_none(orders: WooState) -> None:
    shop = make_shop(orders)

    assert shop.order("100234", "someone.else@example.fi") is None
    assert shop.order("100234", "33101") is None
    assert shop.order("100234", "") is None
    assert shop.order("999999", "maija.meikalainen@example.fi") is None
    assert shop.order("'; DROP TABLE", "maija.meikalainen@example.fi") is None


def test_unknown_and_known_order_numbers_cost_the_same_calls(orders: WooState) -> None:
    shop = make_shop(orders)

    def calls(number: str, proof: str) -> list[tuple[str, dict[str, str]]]:
        """The requests one lookup made, with the order number written as N."""
        before = len(orders.requests)
        shop.order(number, proof)
        return [
            (path.replace(number, "N"), {k: v.replace(number, "N") for k, v in query.items()})
            for path, query in orders.requests[before:]
        ]

    wrong_proof = calls("100234", "99999")
    unknown = calls("999999", "99999")
    right_proof = calls("100234", "33100")
    # id 5512 is the order KO-2025-0042: found by id, but not the number asked for
    other_number = calls("5512", "33100")

    assert unknown == wrong_proof == right_proof == other_number
    assert len(unknown) == 2


def test_sequential_order_numbers_are_searched(orders: WooState) -> None:
    status = make_shop(orders).order("KO-2025-0042", "33100")

    assert status is not None and status.number == "KO-2025-0042"
    assert status.status == "received"
    assert orders.requests[-1] == ("orders", {"search": "KO-2025-0042", "per_page": "20"})


def test_id_of_another_order_number_is_not_trusted(orders: WooState) -> None:
    # id 5512 has the number KO-2025-0042: asking for "5512" must not reveal it
    assert make_shop(orders).order("5512", "33100") is None


@pytest.mark.parametrize(
    ("wc_status", "status"),
    [
        ("pending", "received"),
        ("on-hold", "received"),
        ("processing", "processing"),
        ("completed", "shipped"),
        ("delivered", "delivered"),
        ("ready-for-pickup", "ready_for_pickup"),
        ("ready-pickup", "ready_for_pickup"),
        ("cancelled", "cancelled"),
        ("refunded", "cancelled"),
        ("failed", "cancelled"),
        ("some-plugin-status", "processing"),
    ],
)
def test_order_status_mapping(orders: WooState, wc_status: str, status: str) -> None:
    orders.orders.append(order(300, status=wc_status))

    found = make_shop(orders).order("300", "33100")

    assert found is not None and found.status == status


def test_a_customers_orders_by_billing_email_newest_first(orders: WooState) -> None:
    orders.orders += [
        order(300, status="ready-for-pickup", created="2025-03-10T09:00:00"),
        order(301, email="not.maija.meikalainen@example.fi", created="2025-03-11T09:00:00"),
    ]
    shop = make_shop(orders)

    newest = shop.orders_of(" Maija.Meikalainen@EXAMPLE.fi", 2)

    assert [(o.number, o.status) for o in newest] == [
        ("300", "ready_for_pickup"),
        ("KO-2025-0042", "received"),
    ]
    assert [o.number for o in shop.orders_of("maija.meikalainen@example.fi", 5)] == [
        "300",
        "KO-2025-0042",
        "100234",
    ]
    assert shop.orders_of("nobody@example.fi", 5) == []


def test_processing_order_with_tracking_is_shipped(orders: WooState) -> None:
    custom = [
        {
            "tracking_provider": "",
            "custom_tracking_provider": "Matkahuolto",
            "custom_tracking_link": "https://www.matkahuolto.fi/seuranta?parcelNumber=MH1",
            "tracking_number": "MH1",
            "date_shipped": "2025-03-05",
        }
    ]
    orders.orders.append(
        order(
            301,
            status="processing",
            tracking=custom,
            meta={"faqbot_expected_delivery": "2025-03-10"},
        )
    )

    found = make_shop(orders).order("301", "33100")

    assert found is not None
    assert (found.status, found.carrier, found.tracking_code) == ("shipped", "Matkahuolto", "MH1")
    assert found.tracking_url == "https://www.matkahuolto.fi/seuranta?parcelNumber=MH1"
    assert found.expected_delivery == date(2025, 3, 10)  # the shop's own date wins
    assert found.is_late(date(2025, 3, 11)) and not found.is_late(date(2025, 3, 10))


def test_add_working_days_skips_weekends() -> None:
    assert add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)  # Fri → Mon
    assert add_working_days(date(2025, 3, 8), 3) == date(2025, 3, 12)  # Sat → Wed


# --- failures -------------------------------------------------------------------------------


def test_retries_a_503_then_succeeds(woo: WooState) -> None:
    sleeps: list[float] = []
    woo.fail_with = [503]

    products = make_shop(woo, sleeps=sleeps).products()

    assert {p.id for p in products} == {"101", "103"}
    assert woo.paths()[:2] == ["products", "products"]
    assert sleeps == [0.01]


def test_429_waits_as_the_server_asks(woo: WooState) -> None:
    sleeps: list[float] = []
    woo.fail_with = [429]
    woo.retry_after = "3"

    make_shop(woo, sleeps=sleeps).products()

    assert sleeps == [3.0]


def test_repeated_500s_make_the_shop_unavailable(woo: WooState) -> None:
    sleeps: list[float] = []
    woo.always = 500

    with pytest.raises(ShopUnavailable, match="not answering: HTTP 500"):
        make_shop(woo, retries=2, sleeps=sleeps).products()

    assert len(woo.requests) == 3
    assert sleeps == [0.01, 0.02]  # exponential backoff


def test_closed_port_makes_the_shop_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = WooState(url=f"http://127.0.0.1:{port}")

    with pytest.raises(ShopUnavailable, match="cannot connect"):
        make_shop(state).products()
    with pytest.raises(ShopUnavailable):
        make_shop(state).order("100234", "33100")


def test_wrong_keys_are_a_shop_error(woo: WooState) -> None:
    with pytest.raises(ShopError, match="WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET") as caught:
        make_shop(woo, secret="cs_wrong").products()

    assert not isinstance(caught.value, ShopUnavailable)
    assert len(woo.requests) == 1  # not retried


def test_from_env(monkeypatch: pytest.MonkeyPatch, woo: WooState) -> None:
    env = {
        "WOOCOMMERCE_URL": woo.url + "/",
        "WOOCOMMERCE_KEY": KEY,
        "WOOCOMMERCE_SECRET": SECRET,
        "WOOCOMMERCE_TIMEOUT": "3",
        "WOOCOMMERCE_CACHE_SECONDS": "60",
    }
    shop = WooCommerceShop.from_env(env)

    assert shop.cache_seconds == 60 and shop.client.timeout == 3
    assert {p.id for p in shop.products()} == {"101", "103"}

    with pytest.raises(ShopError, match="WOOCOMMERCE_SECRET"):
        WooCommerceShop.from_env({"WOOCOMMERCE_URL": woo.url, "WOOCOMMERCE_KEY": KEY})
    with pytest.raises(ShopError, match="number of seconds"):
        WooCommerceShop.from_env({**env, "WOOCOMMERCE_TIMEOUT": "soon"})
    with pytest.raises(ShopError, match="not an http"):
        WooCommerceShop.from_env({**env, "WOOCOMMERCE_URL": "kairaoutdoor.example"})
