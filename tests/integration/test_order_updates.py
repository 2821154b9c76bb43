"""Order updates end to end: a status change in the embedded shop, in a WooCommerce stand-in
(polled, and by signed webhook to the real handoff app), through ``faqbot shop notify`` to a local
SMTP server and a local SMS gateway: one email and one SMS per event, none again after a restart.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.shop import order_notify
from bot.shop.order_events import OrderEventStore
from bot.shop.wc_orders import sign
from faqbot import main
from handoff.app import create_app
from handoff.config import HandoffSettings
from tests.bot.shop.sms_server import TOKEN, SmsState, sms_server
from tests.bot.shop.smtp_server import SmtpState, smtp_server
from tests.bot.shop.woo_server import KEY, SECRET, WooState, order, woo_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "wc-webhook-secret-5f0e"
TRACKING = [
    {
        "tracking_provider": "posti",
        "tracking_number": "JJFI64012300020010001",
        "date_shipped": "2026-12-07",
    }
]


@pytest.fixture
def smtp() -> Iterator[SmtpState]:
    with smtp_server() as state:
        yield state


@pytest.fixture
def sms() -> Iterator[SmsState]:
    with sms_server() as state:
        yield state


@pytest.fixture
def shop_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpState, sms: SmsState
) -> Path:
    """A copy of data/shop without SMS quiet hours (they have their own tests), and the env."""
    directory = tmp_path / "shop"
    shutil.copytree(ROOT / "data" / "shop", directory)
    settings = directory / "order_updates.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('sms_quiet_hours: {start: "21:00", end: "08:00"}', "sms_quiet_hours: null"),
        encoding="utf-8",
    )
    monkeypatch.delenv("WOOCOMMERCE_URL", raising=False)
    for name, value in {
        "FAQBOT_SHOP_DIR": str(directory),
        "FAQBOT_SMTP_HOST": smtp.host,
        "FAQBOT_SMTP_PORT": str(smtp.port),
        "FAQBOT_SMTP_FROM": "Kaira Outdoor <asiakaspalvelu@kairaoutdoor.example>",
        "FAQBOT_SMTP_STARTTLS": "0",
        "FAQBOT_SMS_URL": sms.url,
        "FAQBOT_SMS_TOKEN": TOKEN,
        "FAQBOT_SMS_TIMEOUT": "3",
        "FAQBOT_UNSUBSCRIBE_SECRET": "unsubscribe-secret-0123456789",
        "FAQBOT_RESTOCK_DB": str(tmp_path / "restock.db"),
        "FAQBOT_ORDER_UPDATES_DB": str(tmp_path / "orders.db"),
        "WOOCOMMERCE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    return directory


def notify(shop_dir: Path, *extra: str) -> int:
    return main(["shop", "notify", "--emails", str(shop_dir / "emails.yml"), *extra])


def subjects(smtp: SmtpState) -> list[str]:
    return [str(mail.message()["Subject"]) for mail in smtp.mails]


def test_embedded_shop_change_sends_one_email_and_one_sms(
    shop_dir: Path, smtp: SmtpState, sms: SmsState, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = shop_dir / "orders.yml"
    text = orders.read_text(encoding="utf-8")
    text = text.replace(
        "    first_name: Mikko\n", '    first_name: Mikko\n    phone: "+358401112223"\n'
    )
    orders.write_text(text, encoding="utf-8")
    assert notify(shop_dir) == 0  # the first run only records the orders as they are
    assert smtp.mails == [] and sms.messages == []

    shipped = text.replace(
        "    status: processing\n    carrier: matkahuolto\n",
        "    status: shipped\n    carrier: matkahuolto\n    tracking_code: MH4021009999\n",
        1,
    )
    assert shipped != text
    orders.write_text(shipped, encoding="utf-8")
    assert notify(shop_dir, "--dry-run") == 0
    assert "would record event: kaira/100235/shipped/MH4021009999" in capsys.readouterr().out
    assert smtp.mails == [] and sms.messages == []
    assert notify(shop_dir) == 0
    assert notify(shop_dir) == 0  # a restart: the same files, a new process state

    assert subjects(smtp) == ["Tilauksesi 100235 on matkalla"]
    assert smtp.mails[0].recipients == ["Mikko.Korhonen@example.fi"]
    body = smtp.mails[0].message().get_content()
    assert "Hei Mikko!" in body and "MH4021009999" in body
    assert [message["to"] for message in sms.messages] == ["+358401112223"]
    assert "matkalla" in sms.messages[0]["text"] and "Vastaa STOP" in sms.messages[0]["text"]


def test_the_run_that_finds_a_change_sends_its_email_when_reading_took_past_a_second(
    shop_dir: Path, smtp: SmtpState, sms: SmsState, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = shop_dir / "orders.yml"
    text = orders.read_text(encoding="utf-8")
    assert notify(shop_dir) == 0
    read = order_notify.embedded_snapshots

    def slow_shop(*args: Any, **kwargs: Any) -> Any:
        start = int(time.time())
        while int(time.time()) == start:  # the shop answers in the next second
            time.sleep(0.01)
        return read(*args, **kwargs)

    monkeypatch.setattr(order_notify, "embedded_snapshots", slow_shop)
    orders.write_text(
        text.replace(
            "    status: processing\n    carrier: matkahuolto\n",
            "    status: shipped\n    carrier: matkahuolto\n    tracking_code: MH4021009999\n",
            1,
        ),
        encoding="utf-8",
    )

    assert notify(shop_dir) == 0

    assert subjects(smtp) == ["Tilauksesi 100235 on matkalla"]


def test_dry_run_lists_exactly_what_the_real_run_sends_and_writes_nothing(
    shop_dir: Path,
    smtp: SmtpState,
    sms: SmsState,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = shop_dir / "orders.yml"
    text = orders.read_text(encoding="utf-8").replace(
        "    first_name: Mikko\n", '    first_name: Mikko\n    phone: "+358401112223"\n'
    )
    orders.write_text(text, encoding="utf-8")
    assert notify(shop_dir) == 0
    orders.write_text(
        text.replace(
            "    status: processing\n    carrier: matkahuolto\n",
            "    status: shipped\n    carrier: matkahuolto\n    tracking_code: MH4021009999\n",
            1,
        ),
        encoding="utf-8",
    )
    dry_run_lists_what_the_real_run_sends(
        shop_dir, smtp, sms, tmp_path, capsys, "kaira/100235/shipped/MH4021009999"
    )


def dry_run_lists_what_the_real_run_sends(
    shop_dir: Path,
    smtp: SmtpState,
    sms: SmsState,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
) -> None:
    """A dry run lists exactly the email and SMS the real run then sends (in Finnish) and
    changes no database file; after the real run a dry run lists nothing."""
    databases = [tmp_path / "orders.db", tmp_path / "restock.db"]
    before = [db.read_bytes() for db in databases]
    capsys.readouterr()

    assert notify(shop_dir, "--dry-run") == 0
    out = capsys.readouterr().out
    planned = [line for line in out.splitlines() if line.startswith("would send: ")]
    assert [db.read_bytes() for db in databases] == before
    assert smtp.mails == [] and sms.messages == []
    assert f"would record event: {key}" in out

    assert notify(shop_dir) == 0
    sent = [
        f'would send: {key} by email to {mail.recipients[0]} (fi), subject "{subject}"'
        for mail, subject in zip(smtp.mails, subjects(smtp), strict=True)
    ] + [
        f'would send: {key} by sms to {message["to"]} (fi), text "{message["text"]}"'
        for message in sms.messages
    ]
    assert len(sent) == 2 and sorted(planned) == sorted(sent)

    before = [db.read_bytes() for db in databases]
    capsys.readouterr()
    assert notify(shop_dir, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would send: " not in out and "would record" not in out
    assert "order updates: would send 0, waiting 0, failed 0" in out
    assert [db.read_bytes() for db in databases] == before


@pytest.fixture
def woo(monkeypatch: pytest.MonkeyPatch, shop_dir: Path) -> Iterator[WooState]:
    with woo_server() as state:
        monkeypatch.setenv("WOOCOMMERCE_URL", state.url)
        monkeypatch.setenv("WOOCOMMERCE_KEY", KEY)
        monkeypatch.setenv("WOOCOMMERCE_SECRET", SECRET)
        monkeypatch.setenv("WOOCOMMERCE_TIMEOUT", "2")
        yield state


def modified_now(raw: dict[str, object]) -> dict[str, object]:
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    raw.update(date_modified=stamp, date_modified_gmt=stamp)
    return raw


def maijas_order(**changes: Any) -> dict[str, object]:
    """Order 300100 as the WooCommerce stand-in returns it, modified just now."""
    return modified_now(order(3001, number="300100", email="maija@example.fi", **changes))


def test_woocommerce_polling_sends_one_email_and_one_sms(
    shop_dir: Path, woo: WooState, smtp: SmtpState, sms: SmsState
) -> None:
    woo.orders = [maijas_order()]
    assert notify(shop_dir) == 0
    assert smtp.mails == []

    woo.orders = [maijas_order(status="completed", tracking=TRACKING)]
    assert notify(shop_dir) == 0
    assert notify(shop_dir) == 0  # the next poll overlaps and reads the same order again

    assert subjects(smtp) == ["Tilauksesi 300100 on matkalla"]
    assert "Hei Maija!" in smtp.mails[0].message().get_content()
    assert [message["to"] for message in sms.messages] == ["+358401234567"]
    polls = [query for path, query in woo.requests if path == "orders"]
    assert polls[0]["modified_after"] and polls[-1]["modified_after"] > polls[0]["modified_after"]


def test_woocommerce_dry_run_lists_what_the_poll_would_send_and_keeps_the_cursor(
    shop_dir: Path,
    woo: WooState,
    smtp: SmtpState,
    sms: SmsState,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    woo.orders = [maijas_order()]
    assert notify(shop_dir) == 0
    cursor = OrderEventStore(tmp_path / "orders.db").cursor("kaira")
    woo.orders = [maijas_order(status="completed", tracking=TRACKING)]

    dry_run_lists_what_the_real_run_sends(
        shop_dir, smtp, sms, tmp_path, capsys, "kaira/300100/shipped/JJFI64012300020010001"
    )

    polls = [query["modified_after"] for path, query in woo.requests if path == "orders"]
    assert cursor is not None and polls[1] == polls[2]  # the dry run left the cursor alone


def webhook(client: TestClient, raw: dict[str, object], secret: str = WEBHOOK_SECRET) -> object:
    body = json.dumps(raw).encode()
    return client.post(
        "/api/shop/woocommerce/webhook",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Signature": sign(secret, body),
        },
    )


@pytest.fixture
def handoff(
    tmp_path: Path, shop_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "rasa-token")
    settings = HandoffSettings.model_validate(
        {"database_url": f"sqlite:///{tmp_path / 'handoff.db'}", "domain_file": ROOT / "domain.yml"}
    )
    with TestClient(create_app(settings, background=False)) as client:
        yield client


def test_signed_webhook_records_once_and_notify_sends_in_swedish(
    shop_dir: Path, handoff: TestClient, smtp: SmtpState, sms: SmsState, tmp_path: Path
) -> None:
    placed = order(4001, number="400100", email="linnea@example.ax", country="AX", postcode="22100")
    shipped = order(
        4001,
        number="400100",
        email="linnea@example.ax",
        country="AX",
        postcode="22100",
        status="completed",
        tracking=TRACKING,
    )

    forged = webhook(handoff, shipped, secret="not-the-secret")
    ping = handoff.post(
        "/api/shop/woocommerce/webhook",
        content=b"webhook_id=12",
        headers={"X-WC-Webhook-Signature": sign(WEBHOOK_SECRET, b"webhook_id=12")},
    )
    first = webhook(handoff, placed)
    change = webhook(handoff, shipped)
    retried = webhook(handoff, shipped)  # WooCommerce retries when an answer is slow

    assert forged.status_code == 401  # type: ignore[attr-defined]
    assert ping.json() == {"result": "ping", "events": []}  # type: ignore[attr-defined]
    assert first.json() == {"result": "recorded", "events": []}  # type: ignore[attr-defined]
    assert change.json() == {"result": "recorded", "events": ["shipped"]}  # type: ignore[attr-defined]
    assert retried.json() == {"result": "recorded", "events": []}  # type: ignore[attr-defined]

    assert notify(shop_dir) == 0
    assert notify(shop_dir) == 0
    assert subjects(smtp) == ["Din beställning 400100 är på väg"]
    assert [message["to"] for message in sms.messages] == ["+358401234567"]
    assert "Svara STOP" in sms.messages[0]["text"]
    assert len(OrderEventStore(tmp_path / "orders.db").events()) == 1


def test_unsubscribe_link_and_stop_reply_reach_the_store(
    shop_dir: Path,
    handoff: TestClient,
    smtp: SmtpState,
    sms: SmsState,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAQBOT_SMS_INBOUND_TOKEN", "inbound-sms-token")
    placed = order(5001, number="500100", email="maija@example.fi")
    webhook(handoff, placed)
    webhook(
        handoff,
        {
            **placed,
            "status": "completed",
            "meta_data": [{"id": 1, "key": "_wc_shipment_tracking_items", "value": TRACKING}],
        },
    )
    assert notify(shop_dir) == 0
    link = str(smtp.mails[0].message()["List-Unsubscribe"]).strip("<>")
    path = "/api/shop/unsubscribe?" + link.partition("?")[2]

    page = handoff.get(path)
    unauthorised = handoff.post(
        "/api/shop/sms/inbound", json={"from": "+358401234567", "text": "STOP"}
    )
    stop = handoff.post(
        "/api/shop/sms/inbound",
        json={"from": "+358 40 1234567", "text": "Lopeta"},
        headers={"Authorization": "Bearer inbound-sms-token"},
    )
    done = handoff.post(path)
    bad = handoff.post(path + "x")

    assert page.status_code == 200 and "Kyllä, lopeta ilmoitukset" in page.text
    assert unauthorised.status_code == 401
    assert stop.json()["result"] == "unsubscribed"
    assert done.status_code == 200 and "Emme lähetä sinulle enää" in done.text
    assert bad.status_code == 400
    store = OrderEventStore(tmp_path / "orders.db")
    assert store.opted_out("email", "MAIJA@example.fi")
    assert store.opted_out("sms", "+358401234567")
