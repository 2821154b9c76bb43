"""End to end with the WooCommerce backend: the real stack asks a local WooCommerce stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.bot.shop.test_woocommerce import catalogue
from tests.bot.shop.woo_server import KEY, SECRET, WooState, order, woo_server
from tests.integration.handoff_stack import Stack, start_handoff_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def woo() -> Iterator[WooState]:
    with woo_server() as state:
        catalogue(state)
        state.orders = [order(2001, number="200100", email="maija@example.fi", postcode="33100")]
        yield state


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, woo: WooState) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WOOCOMMERCE_URL", woo.url)
        env.setenv("WOOCOMMERCE_KEY", KEY)
        env.setenv("WOOCOMMERCE_SECRET", SECRET)
        env.setenv("WOOCOMMERCE_TIMEOUT", "2")
        running = start_handoff_stack(tmp_path_factory.mktemp("woo"))
    yield running
    running.stop()


def say(stack: Stack, sender: str, text: str) -> str:
    return " ".join(str(r.get("text", "")) for r in stack.send(sender, text))


def test_stock_comes_from_woocommerce(stack: Stack, woo: WooState) -> None:
    reply = say(stack, uuid.uuid4().hex, "onko Vaellus 45 -reppua mustana M-koossa?")
    assert "verkkokaupassa 4 kpl" in reply, reply
    assert any(path.startswith("products/101/variations") for path in woo.paths())


def test_order_status_comes_from_woocommerce(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    say(stack, sender, "missä on tilaukseni 200100?")
    wrong = say(stack, sender, "00100")
    assert "En löytänyt tilausta" in wrong, wrong
    say(stack, sender, "200100")
    reply = say(stack, sender, "maija@example.fi")
    assert "200100" in reply, reply


def test_shop_system_down_offers_a_person(stack: Stack, woo: WooState) -> None:
    woo.always = 503
    try:
        reply = say(stack, uuid.uuid4().hex, "onko Vaellus 45 -reppua mustana L-koossa?")
    finally:
        woo.always = None
    assert "Kauppajärjestelmämme ei juuri nyt vastaa" in reply, reply
