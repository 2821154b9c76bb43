from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.contact import is_valid_email
from bot.errors import ConfigError, ShopError, ShopUnavailable
from bot.shop.base import ShopBackend
from bot.shop.factory import load_backend, store_locations
from bot.shop.models import (
    Location,
    OrderStatus,
    Product,
    StockLevel,
    Variant,
    VariantStock,
)
from bot.shop.notifications import RestockStore
from bot.shop.notify import (
    EmailTexts,
    SmtpSettings,
    load_email_texts,
    notify_restocks,
)
from bot.shop.woocommerce import WooCommerceShop
from faqbot import main
from tests.bot.shop.smtp_server import SmtpState, smtp_server
from tests.bot.shop.woo_server import KEY, SECRET, product, variation, woo_server

ROOT = Path(__file__).resolve().parents[3]
EMAILS = ROOT / "data" / "shop" / "emails.yml"

ONLINE = Location("online", {"fi": "verkkokauppa", "sv": "webbutiken", "en": "online store"}, False)
TAMPERE = Location("tampere", {"fi": "Tampere", "sv": "Tammerfors", "en": "Tampere"}, True)

MEDIUM = Variant("KO-VA45-M-BLK", {"size": "M", "colour": "black"})
LARGE = Variant("KO-VA45-L-BLK", {"size": "L", "colour": "black"})
BACKPACK = Product(
    id="vaellus_45",
    sku="KO-VA45",
    name={
        "fi": "Vaellus 45 -rinkka",
        "sv": "Vaellus 45 vandringsryggsäck",
        "en": "Vaellus 45 hiking backpack",
    },
    description={"fi": "45 litran rinkka", "sv": "45 liter", "en": "45-litre pack"},
    variants=(MEDIUM, LARGE),
    url="https://kairaoutdoor.example/p/vaellus-45",
)
MUG = Product(
    id="muki",
    sku="KO-MUG",
    name=dict.fromkeys(("fi", "sv", "en"), "Retkimuki"),
    description=dict.fromkeys(("fi", "sv", "en"), ""),
    variants=(Variant("KO-MUG"),),
)


class FakeShop:
    """A ShopBackend whose stock the test sets (units per SKU, online and in Tampere)."""

    def __init__(self) -> None:
        self.online: dict[str, int] = {}
        self.tampere: dict[str, int] = {}
        self.catalogue = [BACKPACK, MUG]
        self.down = False

    def products(self) -> list[Product]:
        if self.down:
            raise ShopUnavailable("the shop system is not answering")
        return list(self.catalogue)

    def locations(self) -> list[Location]:
        return [ONLINE, TAMPERE]

    def stock(self, product: Product, variant: Variant | None = None) -> list[VariantStock]:
        chosen = [variant] if variant else list(product.variants)
        return [
            VariantStock(
                product,
                v,
                (
                    StockLevel(ONLINE, self.online.get(v.sku, 0)),
                    StockLevel(TAMPERE, self.tampere.get(v.sku, 0)),
                ),
            )
            for v in chosen
        ]

    def order(self, number: str, proof: str) -> OrderStatus | None:
        return None


@pytest.fixture
def smtp() -> Iterator[SmtpState]:
    with smtp_server() as state:
        yield state


@pytest.fixture
def store(tmp_path: Path) -> RestockStore:
    return RestockStore(tmp_path / "restock.db")


@pytest.fixture
def texts() -> EmailTexts:
    return load_email_texts(EMAILS)


def settings(state: SmtpState, **changes: object) -> SmtpSettings:
    base = SmtpSettings(
        host=state.host,
        port=state.port,
        sender="Kaira Outdoor <asiakaspalvelu@kairaoutdoor.example>",
        starttls=False,
        timeout=5.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_fake_is_a_shop_backend() -> None:
    backend: ShopBackend = FakeShop()
    assert backend.locations()[0].id == "online"


# --- sign-ups -------------------------------------------------------------------------------


def test_register_is_idempotent_while_pending(store: RestockStore) -> None:
    first = store.register("anna.svensson@example.se", BACKPACK, LARGE, "sv")
    again = store.register(" Anna.Svensson@Example.SE ", "vaellus_45", "KO-VA45-L-BLK", "en")
    other = store.register("anna.svensson@example.se", BACKPACK, MEDIUM, "sv")

    assert again.id == first.id
    assert again.language == "en"  # the latest conversation's language
    assert other.id != first.id
    assert [s.id for s in store.pending()] == [first.id, other.id]
    assert first.email == "anna.svensson@example.se" and first.notified_at is None
    assert first.created_at.tzinfo is not None

    store.mark_notified(first.id)
    assert [s.id for s in store.pending()] == [other.id]
    renewed = store.register("anna.svensson@example.se", BACKPACK, LARGE, "sv")
    assert renewed.id not in (first.id, other.id)  # a new sign-up after the email went out


@pytest.mark.parametrize(
    "email",
    [
        "",
        "maija",
        "maija@",
        "maija@kaira",
        "maija meikäläinen@example.fi",
        "maija@example.fi\nBcc: all@example.fi",
        "Maija <maija@example.fi>",
        "a@b.fi, c@d.fi",
    ],
)
def test_register_refuses_what_is_not_one_address(store: RestockStore, email: str) -> None:
    assert not is_valid_email(email)
    with pytest.raises(ValueError, match="not an email address"):
        store.register(email, BACKPACK, LARGE, "fi")


def test_register_refuses_unknown_language(store: RestockStore) -> None:
    with pytest.raises(ValueError, match="language"):
        store.register("maija@example.fi", BACKPACK, LARGE, "de")


def test_default_path_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAQBOT_RESTOCK_DB", str(tmp_path / "sub" / "signups.db"))

    RestockStore().register("maija@example.fi", BACKPACK, LARGE, "fi")

    assert (tmp_path / "sub" / "signups.db").is_file()


def test_claim_lets_only_one_run_send(store: RestockStore) -> None:
    signup = store.register("maija@example.fi", BACKPACK, LARGE, "fi")

    assert store.claim(signup.id)
    assert not store.claim(signup.id)
    store.record_failure(signup.id, "SMTP down")  # releases it for the next run
    assert store.claim(signup.id)


# --- notify ---------------------------------------------------------------------------------


def test_sold_out_sends_nothing(store: RestockStore, smtp: SmtpState, texts: EmailTexts) -> None:
    shop = FakeShop()
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")

    report = notify_restocks(shop, store, settings(smtp), texts)

    assert smtp.mails == []
    assert len(report.waiting) == 1 and not report.sent and not report.failed
    assert len(store.pending()) == 1


def test_back_in_stock_sends_one_email_once(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    anna = store.register("anna.svensson@example.se", BACKPACK, LARGE, "sv")
    store.register("maija@example.fi", BACKPACK, MEDIUM, "fi")  # stays sold out

    notify_restocks(shop, store, settings(smtp), texts)
    shop.tampere[LARGE.sku] = 1  # back in the Tampere store
    report = notify_restocks(shop, store, settings(smtp), texts)

    [mail] = smtp.mails
    assert mail.recipients == ["anna.svensson@example.se"]
    assert mail.sender == "asiakaspalvelu@kairaoutdoor.example"
    message = mail.message()
    assert message["To"] == "anna.svensson@example.se"
    assert message["From"] == "Kaira Outdoor <asiakaspalvelu@kairaoutdoor.example>"
    assert message["Subject"] == "Vaellus 45 vandringsryggsäck finns i lager igen"
    assert message["Content-Language"] == "sv"
    body = message.get_content()
    assert "Vaellus 45 vandringsryggsäck (storlek L, färg svart)" in body
    assert "https://kairaoutdoor.example/p/vaellus-45" in body
    assert "Hej!" in body and "\n\n\n" not in body
    assert [s.id for s in report.sent] == [anna.id] and len(report.waiting) == 1

    assert [s.variant_sku for s in store.pending()] == [MEDIUM.sku]
    again = notify_restocks(shop, store, settings(smtp), texts)
    assert len(smtp.mails) == 1  # sent once per sign-up
    assert not again.sent


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("fi", "Vaellus 45 -rinkka on taas saatavilla", "Vaellus 45 -rinkka (koko M, väri musta)"),
        ("en", "Vaellus 45 hiking backpack is back in stock", "(size M, colour black)"),
    ],
)
def test_email_in_the_shoppers_language(
    store: RestockStore,
    smtp: SmtpState,
    texts: EmailTexts,
    language: str,
    subject: str,
    words: str,
) -> None:
    shop = FakeShop()
    shop.online[MEDIUM.sku] = 3
    store.register("maija@example.fi", BACKPACK, MEDIUM, language)

    notify_restocks(shop, store, settings(smtp), texts)

    message = smtp.mails[0].message()
    assert message["Subject"] == subject
    assert words in message.get_content()


def test_product_without_variant_or_link(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.online["KO-MUG"] = 5
    store.register("maija@example.fi", MUG, "KO-MUG", "en")

    notify_restocks(shop, store, settings(smtp), texts)

    body = smtp.mails[0].message().get_content()
    assert "when Retkimuki is available again" in body
    assert "You can find it here" not in body and "\n\n\n" not in body


def test_smtp_down_is_reported_and_retried_next_run(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    signup = store.register("maija@example.fi", BACKPACK, LARGE, "fi")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]

    report = notify_restocks(shop, store, settings(smtp, port=closed), texts)

    [(failed, error)] = report.failed
    assert failed.id == signup.id and "SMTP server" in error
    [pending] = store.pending()
    assert pending.attempts == 1 and pending.last_error == error

    notify_restocks(shop, store, settings(smtp), texts)
    assert len(smtp.mails) == 1 and store.pending() == []


def test_starttls_required_but_missing_is_a_failure(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")

    report = notify_restocks(shop, store, settings(smtp, starttls=True), texts)

    assert "STARTTLS" in report.failed[0][1]
    assert smtp.mails == [] and len(store.pending()) == 1


def test_refused_recipient_does_not_stop_the_others(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    store.register("gone@example.fi", BACKPACK, LARGE, "fi")
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")
    smtp.refuse.add("gone@example.fi")

    report = notify_restocks(
        shop, store, settings(smtp, user="kaira", password="app-password"), texts
    )

    assert [s.email for s in report.sent] == ["maija@example.fi"]
    assert [s.email for s, _ in report.failed] == ["gone@example.fi"]
    assert smtp.logins == [("kaira", "app-password")]  # one connection, logged in once
    assert [s.email for s in store.pending()] == ["gone@example.fi"]


def test_shop_down_changes_nothing(store: RestockStore, smtp: SmtpState, texts: EmailTexts) -> None:
    shop = FakeShop()
    shop.down = True
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")

    with pytest.raises(ShopUnavailable):
        notify_restocks(shop, store, settings(smtp), texts)

    assert smtp.mails == [] and store.pending()[0].attempts == 0


def test_removed_product_is_reported(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.catalogue = [MUG]
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")
    store.register("maija@example.fi", MUG, "KO-MUG-OLD", "fi")

    report = notify_restocks(shop, store, settings(smtp), texts)

    errors = [error for _, error in report.failed]
    assert errors == [
        "product vaellus_45 is no longer in the catalogue",
        "product muki has no variant KO-MUG-OLD any more",
    ]


def test_dry_run_sends_and_marks_nothing(store: RestockStore, texts: EmailTexts) -> None:
    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")

    report = notify_restocks(shop, store, None, texts, dry_run=True)

    assert len(report.sent) == 1 and report.summary().startswith("would send 1")
    assert len(store.pending()) == 1


def test_dry_run_lists_each_email_as_the_real_run_sends_it(
    store: RestockStore, smtp: SmtpState, texts: EmailTexts
) -> None:
    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    shop.online[MUG.variants[0].sku] = 1
    store.register("maija@example.fi", BACKPACK, LARGE, "fi")
    store.register("linnea@example.ax", BACKPACK, MEDIUM, "sv")  # still sold out
    store.register("anna@example.com", MUG, MUG.variants[0], "en")
    with sqlite3.connect(store.path) as conn:
        before = list(conn.iterdump())

    dry = notify_restocks(shop, store, None, texts, dry_run=True)
    with sqlite3.connect(store.path) as conn:
        assert list(conn.iterdump()) == before
    real = notify_restocks(shop, store, settings(smtp), texts)

    assert [signup.id for signup in dry.sent] == [signup.id for signup in real.sent] == [1, 3]
    assert list(dry.subjects.values()) == [str(mail.message()["Subject"]) for mail in smtp.mails]
    assert dry.subjects[1] == "Vaellus 45 -rinkka on taas saatavilla"


def test_cli_dry_run_creates_nothing_and_says_a_run_without_smtp_would_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.shop import factory
    from bot.shop.notify import run

    shop = FakeShop()
    shop.online[LARGE.sku] = 2
    monkeypatch.setattr(factory, "load_backend", lambda: shop)
    monkeypatch.setenv("FAQBOT_SMTP_HOST", "")
    db = tmp_path / "restock.db"

    assert run(db=db, emails=EMAILS, dry_run=True) == 1  # a real run stops without SMTP
    out = capsys.readouterr().out
    assert "would fail: FAQBOT_SMTP_HOST is not set" in out and "no sign-ups yet" in out
    assert not db.exists()

    RestockStore(db).register("maija@example.fi", BACKPACK, LARGE, "fi")
    assert run(db=db, emails=EMAILS, dry_run=True) == 1
    out = capsys.readouterr().out
    assert (
        "would fail (SMTP not configured): #1 maija@example.fi KO-VA45-L-BLK (fi), "
        'subject "Vaellus 45 -rinkka on taas saatavilla"'
    ) in out
    assert "would send 0, still sold out 0, failed 1" in out
    assert len(RestockStore(db).pending()) == 1


# --- settings and texts ---------------------------------------------------------------------


def test_smtp_settings_from_env() -> None:
    env = {"FAQBOT_SMTP_HOST": "smtp.example.fi", "FAQBOT_SMTP_FROM": "shop@example.fi"}
    assert SmtpSettings.from_env(env) == SmtpSettings("smtp.example.fi", "shop@example.fi")

    full = SmtpSettings.from_env(
        {
            **env,
            "FAQBOT_SMTP_PORT": "2525",
            "FAQBOT_SMTP_USER": "u",
            "FAQBOT_SMTP_PASSWORD": "p",
            "FAQBOT_SMTP_STARTTLS": "0",
            "FAQBOT_SMTP_TIMEOUT": "3",
        }
    )
    assert (full.port, full.user, full.password, full.starttls, full.timeout) == (
        2525,
        "u",
        "p",
        False,
        3.0,
    )
    with pytest.raises(ConfigError, match="FAQBOT_SMTP_HOST"):
        SmtpSettings.from_env({"FAQBOT_SMTP_FROM": "shop@example.fi"})
    with pytest.raises(ConfigError, match="FAQBOT_SMTP_FROM"):
        SmtpSettings.from_env({"FAQBOT_SMTP_HOST": "smtp.example.fi"})
    with pytest.raises(ConfigError, match="STARTTLS"):
        SmtpSettings.from_env({**env, "FAQBOT_SMTP_STARTTLS": "maybe"})


def test_email_texts_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "emails.yml"
    path.write_text(
        "shop: Kaira\n"
        "restock:\n"
        "  fi: {subject: '{prodct} on taas saatavilla', body: 'Hei {item}'}\n"
        "  en: {subject: 'Back', body: 'Hi {item}'}\n",
        encoding="utf-8",
    )

    with pytest.raises(ShopError) as caught:
        load_email_texts(path)

    message = str(caught.value)
    assert "restock.sv is missing" in message
    assert "emails.yml:3:" in message and "unknown placeholder(s) prodct" in message


# --- backend choice and the command ---------------------------------------------------------


def test_load_backend_picks_woocommerce_with_store_names(tmp_path: Path) -> None:
    (tmp_path / "locations.yml").write_text(
        "locations:\n"
        "  - {id: online, store: false, name: {fi: verkkokauppa, sv: webbutiken, en: online}}\n"
        "  - {id: tampere, store: true, name: {fi: Tampereen myymälä, sv: butiken i Tammerfors,"
        " en: Tampere store}}\n",
        encoding="utf-8",
    )
    with woo_server() as woo:
        env = {"WOOCOMMERCE_URL": woo.url, "WOOCOMMERCE_KEY": KEY, "WOOCOMMERCE_SECRET": SECRET}

        backend = load_backend(env, data_dir=tmp_path)

        assert isinstance(backend, WooCommerceShop)
        assert [(loc.id, loc.name["sv"]) for loc in backend.locations()] == [
            ("online", "webbutiken"),
            ("tampere", "butiken i Tammerfors"),
        ]
    assert store_locations(tmp_path / "missing") == ()


def test_load_backend_defaults_to_the_embedded_shop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sqlite = pytest.importorskip("bot.shop.sqlite", reason="the embedded backend is not there yet")
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path))  # the built database goes there

    backend = load_backend({"FAQBOT_SHOP_DIR": str(ROOT / "data" / "shop")})

    assert isinstance(backend, sqlite.SqliteShop)
    assert backend.data_dir == ROOT / "data" / "shop"


def test_cli_notify_with_woocommerce(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    smtp: SmtpState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with woo_server() as woo:
        woo.products = [
            product(101, "Vaellus 45 -rinkka", type="variable", sku="KO-VA45", variations=[1011])
        ]
        woo.variations = {
            101: [
                variation(
                    1011,
                    101,
                    {"Koko": "L", "Väri": "Musta"},
                    sku="KO-VA45-L-BLK",
                    stock_quantity=0,
                    stock_status="outofstock",
                )
            ]
        }
        monkeypatch.chdir(ROOT)
        for name, value in {
            "WOOCOMMERCE_URL": woo.url,
            "WOOCOMMERCE_KEY": KEY,
            "WOOCOMMERCE_SECRET": SECRET,
            "FAQBOT_SMTP_HOST": smtp.host,
            "FAQBOT_SMTP_PORT": str(smtp.port),
            "FAQBOT_SMTP_FROM": "asiakaspalvelu@kairaoutdoor.example",
            "FAQBOT_SMTP_STARTTLS": "0",
            "FAQBOT_RESTOCK_DB": str(tmp_path / "restock.db"),
            "FAQBOT_ORDER_UPDATES_DB": str(tmp_path / "orders.db"),
        }.items():
            monkeypatch.setenv(name, value)
        RestockStore().register("maija@example.fi", "101", "KO-VA45-L-BLK", "fi")

        assert main(["shop", "notify"]) == 0
        assert "sent 0, still sold out 1, failed 0" in capsys.readouterr().out

        woo.variations[101][0].update(stock_quantity=2, stock_status="instock")
        assert main(["shop", "notify", "--dry-run"]) == 0
        assert "would send: #1 maija@example.fi KO-VA45-L-BLK (fi)" in capsys.readouterr().out
        assert smtp.mails == []

        assert main(["shop", "notify"]) == 0
        assert "sent 1, still sold out 0, failed 0" in capsys.readouterr().out
        [mail] = smtp.mails
        assert mail.message()["Subject"] == "Vaellus 45 -rinkka on taas saatavilla"
        assert "(koko L, väri musta)" in mail.message().get_content()

        monkeypatch.setenv("FAQBOT_SMTP_HOST", "")
        assert main(["shop", "notify"]) == 1
        assert "FAQBOT_SMTP_HOST is not set" in capsys.readouterr().err
        assert RestockStore().pending() == []
