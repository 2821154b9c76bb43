"""A proactive order update in the web chat widget, in a real browser, on the real stack.

A shopper verifies order 100235 in the widget; the shop marks it shipped; ``faqbot shop notify``
puts a bot message into that conversation through Rasa, which the widget shows over socket.io
and the tracker records. Needs Debian's chromium and chromedriver; skipped without them unless
``FAQBOT_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.cache import cache_dir
from bot.shop.order_events import OrderEventStore
from faqbot import main
from scripts.stack import Stack, free_port, serve_chat_page
from tests.bot.shop.smtp_server import SmtpState, smtp_server
from tests.browser import chrome, require_browser
from tests.conftest import ROOT
from tests.integration.handoff_stack import start_handoff_stack
from tests.widget import connected, says, shown, writes

pytestmark = pytest.mark.integration

SHIPPED = "    status: shipped\n    carrier: matkahuolto\n    tracking_code: MH4021007777\n"


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/shop (order 100235 is Mikko's) with chat updates only."""
    directory = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(ROOT / "data" / "shop", directory)
    settings = directory / "order_updates.yml"
    text = settings.read_text(encoding="utf-8")
    for kind in ("shipped", "late"):
        text = text.replace(f"  {kind}: [email, sms, chat]", f"  {kind}: [chat]")
    settings.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orders-db") / "orders.db"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, shop_dir: Path, orders_db: Path
) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("orders-widget")
    # the shop database built from this copy in a cache of its own (another run building the
    # demo data deletes other catalogues from the shared one); models and embeddings shared
    cache = state / "cache"
    cache.mkdir()
    for part in ("embeddings", "models", "calibration"):
        shared = cache_dir() / part
        shared.mkdir(parents=True, exist_ok=True)
        (cache / part).symlink_to(shared)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FAQBOT_CACHE", str(cache))
        env.setenv("FAQBOT_SHOP_DIR", str(shop_dir))
        env.setenv("FAQBOT_ORDER_UPDATES_DB", str(orders_db))
        running = start_handoff_stack(state)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def chat_url(stack: Stack) -> Iterator[str]:
    port = free_port()
    server = serve_chat_page(port, stack.rasa_url)
    try:
        yield f"http://127.0.0.1:{port}/shop/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp() -> Iterator[SmtpState]:
    with smtp_server() as state:
        yield state


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    driver = chrome(1280, 800, "fi")
    try:
        yield driver
    finally:
        driver.quit()


def test_verified_shopper_sees_the_shipping_update_in_the_widget(
    stack: Stack,
    chat_url: str,
    browser: Any,
    shop_dir: Path,
    orders_db: Path,
    smtp: SmtpState,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    browser.get(chat_url)
    shown(browser, ".fqb-launcher").click()
    connected(browser)
    before = writes(browser, "missä on tilaukseni 100235?")
    says(browser, r"sähköpostiosoite tai postinumero", before)
    before = writes(browser, "Mikko.Korhonen@example.fi")
    says(browser, r"100235", before)

    orders = shop_dir / "orders.yml"
    text = orders.read_text(encoding="utf-8")
    changed = text.replace("    status: processing\n    carrier: matkahuolto\n", SHIPPED, 1)
    assert changed != text
    for name, value in {
        "FAQBOT_SHOP_DIR": str(shop_dir),
        "FAQBOT_ORDER_UPDATES_DB": str(orders_db),
        "FAQBOT_RESTOCK_DB": str(tmp_path / "restock.db"),
        "RASA_URL": stack.rasa_url,
        "RASA_AUTH_TOKEN": stack.token,
        "FAQBOT_DOMAIN_FILE": str(ROOT / "domain.yml"),
        "FAQBOT_SMTP_HOST": smtp.host,  # restock emails need it; this shop sends chat only
        "FAQBOT_SMTP_PORT": str(smtp.port),
        "FAQBOT_SMTP_FROM": "asiakaspalvelu@kairaoutdoor.example",
        "FAQBOT_SMTP_STARTTLS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WOOCOMMERCE_URL", raising=False)
    emails = ["--emails", str(shop_dir / "emails.yml")]
    assert main(["shop", "notify", *emails]) == 0  # records the orders as they are
    assert OrderEventStore(orders_db).events() == []
    orders.write_text(changed, encoding="utf-8")
    assert main(["shop", "notify", *emails]) == 0

    update = says(browser, r"lähti tänään varastoltamme", 0, timeout=30)
    assert "Hei Mikko!" in update and "MH4021007777" in update

    conversation = browser.execute_script("return localStorage.getItem('faqbot-widget:session')")
    tracker = requests.get(
        f"{stack.rasa_url}/conversations/{conversation}/tracker",
        params={"token": stack.token},
        timeout=10,
    ).json()
    recorded = [e.get("text", "") for e in tracker["events"] if e.get("event") == "bot"]
    assert any("MH4021007777" in text for text in recorded), recorded[-3:]

    assert main(["shop", "notify", *emails]) == 0  # a second run sends nothing again
    assert sum("MH4021007777" in m for m in _bot_texts(browser)) == 1
    assert smtp.mails == []


def _bot_texts(browser: Any) -> list[str]:
    from tests.widget import messages

    return [m["text"] for m in messages(browser, "bot")]
