"""Order events, the notification outbox, quiet hours and unsubscribing (real SMTP/SMS servers)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import ShopError
from bot.shop import wc_orders
from bot.shop.notify import EmailTexts, Mailer, SmtpSettings, load_email_texts
from bot.shop.order_events import OrderEventStore, OrderSnapshot
from bot.shop.order_notify import (
    OrderUpdateSettings,
    Planned,
    Senders,
    compose_sms,
    deliver,
    is_stop,
    load_order_settings,
    plan,
    read_unsubscribe_token,
    readiness,
    unsubscribe_token,
)
from bot.shop.sms import HttpSmsProvider
from tests.bot.shop.sms_server import TOKEN, SmsState, sms_server
from tests.bot.shop.smtp_server import SmtpState, smtp_server

ROOT = Path(__file__).resolve().parents[3]
SECRET = "unsubscribe-secret-0123456789"
TODAY = date(2026, 12, 7)
NOON = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki
NIGHT = datetime(2026, 12, 7, 21, 30, tzinfo=UTC)  # 23:30 in Helsinki

ORDER = OrderSnapshot(
    shop="kaira",
    number="100235",
    status="processing",
    language="fi",
    email="Mikko.Korhonen@example.fi",
    phone="+358401112223",
    first_name="Mikko",
    carrier="Matkahuolto",
    expected_delivery=date(2026, 12, 9),
)
SHIPPED = replace(
    ORDER,
    status="shipped",
    tracking_code="MH4021003823",
    tracking_url="https://www.matkahuolto.fi/seuranta?lahetystunnus=MH4021003823",
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> OrderEventStore:
    return OrderEventStore(tmp_path / "orders.db", clock=clock)


@pytest.fixture
def settings() -> OrderUpdateSettings:
    return load_order_settings(ROOT / "data" / "shop" / "order_updates.yml")


@pytest.fixture
def texts() -> EmailTexts:
    return load_email_texts(ROOT / "data" / "shop" / "emails.yml")


@pytest.fixture
def smtp() -> Iterator[SmtpState]:
    with smtp_server() as state:
        yield state


@pytest.fixture
def sms() -> Iterator[SmsState]:
    with sms_server() as state:
        yield state


def senders(smtp: SmtpState, sms: SmsState) -> Senders:
    settings = SmtpSettings(
        host=smtp.host, port=smtp.port, sender="kauppa@kairaoutdoor.example", starttls=False
    )
    return Senders(
        email=Mailer(settings),
        smtp=settings,
        sms=HttpSmsProvider(sms.url, TOKEN, timeout=2),
        secret=SECRET,
    )


# --- events ----------------------------------------------------------------------------------


def test_first_sighting_is_a_baseline_and_a_change_is_one_event(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    assert store.observe([ORDER], settings.channels, TODAY) == []

    events = store.observe([SHIPPED], settings.channels, TODAY)

    assert [event.kind for event in events] == ["shipped"]
    assert [(item.channel, item.recipient) for item in store.due()] == [
        ("email", "Mikko.Korhonen@example.fi"),
        ("sms", "+358401112223"),
    ]


def test_the_same_change_seen_again_or_after_a_restart_is_no_new_event(
    tmp_path: Path, store: OrderEventStore, settings: OrderUpdateSettings, clock: Clock
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)
    # a retried webhook, and a status flapping back and forth with the same parcel
    store.observe([ORDER], settings.channels, TODAY)
    again = store.observe([SHIPPED], settings.channels, TODAY)
    restarted = OrderEventStore(tmp_path / "orders.db", clock=clock)

    assert again == []
    assert restarted.observe([SHIPPED], settings.channels, TODAY) == []
    assert len(restarted.events()) == 1
    assert len(restarted.due()) == 2


def test_late_is_detected_once_when_the_expected_date_passes(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    store.observe([SHIPPED], settings.channels, TODAY)

    on_time = store.observe(store.open_orders("kaira"), settings.channels, date(2026, 12, 9))
    late = store.observe(store.open_orders("kaira"), settings.channels, date(2026, 12, 10))
    still_late = store.observe(store.open_orders("kaira"), settings.channels, date(2026, 12, 11))

    assert on_time == []
    assert [event.kind for event in late] == ["late"]
    assert still_late == []


def test_an_event_switched_off_queues_nothing(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    store.observe([replace(ORDER, status="received")], settings.channels, TODAY)

    events = store.observe([ORDER], settings.channels, TODAY)  # processing: [] in the file

    assert [event.kind for event in events] == ["processing"]
    assert store.due() == []


def test_settings_report_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "order_updates.yml"
    path.write_text(
        "shop: Kaira Shop\nevents:\n  shipped: [email, fax]\n  lost: [email]\n"
        "timezone: Mars/Olympus\nunsubscribe_url: https://x.example/u\n",
        encoding="utf-8",
    )

    with pytest.raises(ShopError) as caught:
        load_order_settings(path)

    message = str(caught.value)
    for expected in ("shop", "fax", "lost", "Mars/Olympus", "unsubscribe_url"):
        assert expected in message, message
    assert f"{path}:3:" in message


READY = replace(SHIPPED, status="ready_for_pickup", pickup_point="Kaira Tampere, Hämeenkatu 5")


def test_ready_for_pickup_is_one_event_and_never_late(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    store.observe([SHIPPED], settings.channels, TODAY)

    events = store.observe([READY], settings.channels, TODAY)
    again = store.observe([READY, SHIPPED, READY], settings.channels, TODAY)  # polls, flapping
    days_later = store.observe(store.open_orders("kaira"), settings.channels, date(2026, 12, 20))
    picked_up = store.observe([replace(READY, status="delivered")], settings.channels, TODAY)

    assert [event.kind for event in events] == ["ready_for_pickup"]
    assert events[0].snapshot.pickup_point == "Kaira Tampere, Hämeenkatu 5"
    assert again == [] and days_later == []  # waiting at the pickup point is not late
    assert [event.kind for event in picked_up] == ["delivered"]


def test_ready_for_pickup_can_be_switched_off(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    off = settings.model_copy(update={"events": {**settings.events, "ready_for_pickup": []}})
    store.observe([SHIPPED], off.channels, TODAY)

    events = store.observe([READY], off.channels, TODAY)

    assert [event.kind for event in events] == ["ready_for_pickup"]
    assert store.due() == []


# --- delivery --------------------------------------------------------------------------------


def test_one_email_and_one_sms_per_event_in_the_orders_language(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    swedish = replace(ORDER, number="100236", language="sv", first_name="Linnea")
    store.observe([ORDER, swedish], settings.channels, TODAY)
    store.observe(
        [SHIPPED, replace(SHIPPED, number="100236", language="sv", first_name="Linnea")],
        settings.channels,
        TODAY,
    )

    report = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    again = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert len(report.sent) == 4 and again.sent == []
    subjects = sorted(str(mail.message()["Subject"]) for mail in smtp.mails)
    assert subjects == ["Din beställning 100236 är på väg", "Tilauksesi 100235 on matkalla"]
    finnish = next(m.message() for m in smtp.mails if "100235" in str(m.message()["Subject"]))
    body = finnish.get_content()
    assert "Hei Mikko!" in body and "MH4021003823" in body and "9.12.2026" in body
    assert str(finnish["Content-Language"]) == "fi"
    assert [m["to"] for m in sms.messages] == ["+358401112223", "+358401112223"]
    assert "Svara STOP" in sms.messages[1]["text"] and "Vastaa STOP" in sms.messages[0]["text"]


def test_sms_waits_for_the_end_of_quiet_hours_and_email_does_not(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    clock.now = NIGHT
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)

    night = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    clock.now = datetime(2026, 12, 8, 5, 59, tzinfo=UTC)  # 07:59 in Helsinki
    early = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    clock.now = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)  # 08:00
    morning = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert [item.channel for item in night.sent] == ["email"]
    assert [item.channel for item in night.held] == ["sms"]
    assert early.sent == [] and len(smtp.mails) == 1
    assert [item.channel for item in morning.sent] == ["sms"]
    assert len(sms.messages) == 1


def test_quiet_hours_follow_helsinki_summer_time(settings: OrderUpdateSettings) -> None:
    summer_evening = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)  # 21:30 EEST
    summer_day = datetime(2026, 7, 1, 17, 30, tzinfo=UTC)  # 20:30 EEST

    assert settings.quiet_until(summer_evening) == datetime(2026, 7, 2, 5, 0, tzinfo=UTC)
    assert settings.quiet_until(summer_day) is None


def test_unsubscribed_addresses_get_nothing_more(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)
    deliver(store, texts, settings, senders(smtp, sms), now=clock)
    link = str(smtp.mails[0].message()["List-Unsubscribe"]).strip("<>")
    token = link.partition("token=")[2]

    channel, address = read_unsubscribe_token(SECRET, token) or ("", "")
    store.opt_out(channel, address.upper())  # any letter case
    store.opt_out("sms", "+358 40 111 2223")  # the STOP reply, any spacing
    late = store.observe(store.open_orders("kaira"), settings.channels, date(2026, 12, 10))
    report = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert [event.kind for event in late] == ["late"]
    assert report.sent == [] and len(smtp.mails) == 1 and len(sms.messages) == 1


def test_unsubscribing_drops_what_is_still_queued(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    clock.now = NIGHT
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)
    deliver(store, texts, settings, senders(smtp, sms), now=clock)  # the SMS waits for 08:00

    store.opt_out("sms", "+358401112223")
    clock.now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    report = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert report.sent == [] and sms.messages == []


def test_a_forged_or_altered_unsubscribe_token_is_refused() -> None:
    token = unsubscribe_token(SECRET, "email", "maija@example.fi")
    forged = unsubscribe_token("another-secret-0123456789", "email", "maija@example.fi")

    assert read_unsubscribe_token(SECRET, token) == ("email", "maija@example.fi")
    assert read_unsubscribe_token(SECRET, forged) is None
    assert read_unsubscribe_token(SECRET, token[:-2] + "xx") is None
    assert read_unsubscribe_token(SECRET, "not a token") is None


@pytest.mark.parametrize("text", ["STOP", "stop", " Lopeta.", "SLUTA"])
def test_stop_words(text: str) -> None:
    assert is_stop(text)


def test_a_question_is_not_stop() -> None:
    assert not is_stop("stop sending me the wrong size")


def test_a_failed_sms_is_retried_later_and_sent_once(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)
    sms.fail_with = [503]

    first = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    too_soon = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    clock.now = NOON + timedelta(seconds=3)
    retried = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert [item.channel for item, _ in first.failed] == ["sms"]
    assert too_soon.sent == [] and too_soon.failed == []
    assert [item.channel for item in retried.sent] == ["sms"]
    assert len(sms.messages) == 1 and len(smtp.mails) == 1


def test_a_refused_number_is_not_retried(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)
    sms.fail_with = [400]

    deliver(store, texts, settings, senders(smtp, sms), now=clock)
    clock.now = NOON + timedelta(hours=5)
    later = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert later.sent == [] and later.failed == [] and sms.refused == 1


def test_late_texts_are_empathetic_in_every_language(texts: EmailTexts) -> None:
    late = {lang: texts.orders[lang].events["late"] for lang in ("fi", "sv", "en")}

    assert "pahoillamme" in late["fi"].body
    assert "beklagar" in late["sv"].body
    assert "sorry" in late["en"].body
    assert all("inconvenience" not in text.body for text in late.values())


def test_sms_text_has_the_tracking_link_and_stop(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    (event,) = store.observe([SHIPPED], settings.channels, TODAY)

    text = compose_sms(texts, event)

    assert SHIPPED.tracking_url and SHIPPED.tracking_url in text
    assert text.endswith("Vastaa STOP, jos et halua enää tekstiviestejä.")


class Chat:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, conversation_id: str, event: object) -> None:
        self.sent.append((conversation_id, getattr(event, "kind", "")))


def test_watching_chats_get_each_update_once(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts, clock: Clock
) -> None:
    quiet = replace(ORDER, email=None, phone=None)
    store.watch("conversation-1", "kaira", "100235")
    store.watch("conversation-2", "kaira", "100235")
    store.observe([quiet], settings.channels, TODAY)
    store.observe([replace(quiet, status="shipped", tracking_code="X1")], settings.channels, TODAY)
    store.forget_conversations(["conversation-2"])
    store.observe([replace(quiet, status="delivered")], settings.channels, TODAY)
    chat = Chat()

    deliver(store, texts, settings, Senders(chat=chat), now=clock)
    deliver(store, texts, settings, Senders(chat=chat), now=clock)

    assert chat.sent == [
        ("conversation-1", "shipped"),
        ("conversation-2", "shipped"),
        ("conversation-1", "delivered"),
    ]


def test_a_chat_update_that_waited_too_long_is_dropped(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts, clock: Clock
) -> None:
    quiet = replace(ORDER, email=None, phone=None)
    store.watch("conversation-1", "kaira", "100235")
    store.observe([quiet], settings.channels, TODAY)
    store.observe([replace(quiet, status="shipped", tracking_code="X1")], settings.channels, TODAY)
    chat = Chat()

    waiting = deliver(store, texts, settings, Senders(), now=clock)  # Rasa not configured
    clock.now = NOON + timedelta(days=2)
    later = deliver(store, texts, settings, Senders(chat=chat), now=clock)

    assert [item.channel for item in waiting.held] == ["chat"]
    assert later.sent == [] and chat.sent == [] and store.due(clock.now) == []


def test_forgetting_a_shopper_removes_their_orders_but_keeps_the_opt_out(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    other = replace(ORDER, number="100299", email="someone@example.fi", phone=None)
    store.watch("conversation-1", "kaira", "100235")
    store.observe([ORDER, other], settings.channels, TODAY)
    store.observe([SHIPPED, replace(other, status="cancelled")], settings.channels, TODAY)
    store.opt_out("email", "mikko.korhonen@example.fi")

    removed = store.forget(["MIKKO.KORHONEN@example.fi"], ["conversation-1"])

    assert removed == 6  # the watcher, the event, its email, SMS and chat message, the state
    assert [event.snapshot.number for event in store.events()] == ["100299"]
    assert store.open_orders("kaira") == []  # 100299 is cancelled, 100235 forgotten
    assert store.opted_out("email", "mikko.korhonen@example.fi")


def test_purge_removes_what_is_older_than_the_retention(
    store: OrderEventStore, settings: OrderUpdateSettings, clock: Clock
) -> None:
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)

    assert store.purge(NOON - timedelta(days=1)) == 0
    assert store.purge(NOON + timedelta(days=1)) == 4  # 2 notifications, the event, the state
    assert store.events() == [] and store.open_orders("kaira") == []


@pytest.mark.parametrize(
    ("language", "subject", "place_line"),
    [
        ("fi", "Tilauksesi 100235 odottaa noutoa", "Noutopaikka: Kaira Tampere, Hämeenkatu 5"),
        ("sv", "Din beställning 100235 väntar på att hämtas", "Hämtas på: Kaira Tampere"),
        ("en", "Your order 100235 is ready for pickup", "Pickup point: Kaira Tampere"),
    ],
)
def test_ready_for_pickup_email_and_sms_in_the_orders_language_with_the_place(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
    language: str,
    subject: str,
    place_line: str,
) -> None:
    store.observe([replace(SHIPPED, language=language)], settings.channels, TODAY)
    store.observe([replace(READY, language=language)], settings.channels, TODAY)

    report = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    again = deliver(store, texts, settings, senders(smtp, sms), now=clock)

    assert len(report.sent) == 2 and again.sent == []
    (mail,) = [m.message() for m in smtp.mails]
    assert str(mail["Subject"]) == subject and str(mail["Content-Language"]) == language
    assert place_line in mail.get_content()
    (text,) = [m["text"] for m in sms.messages]
    assert "100235" in text and "Kaira Tampere, Hämeenkatu 5" in text and "STOP" in text


def test_ready_for_pickup_without_a_place_leaves_no_gap(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts
) -> None:
    store.observe([SHIPPED], settings.channels, TODAY)
    (event,) = store.observe([replace(READY, pickup_point=None)], settings.channels, TODAY)

    text = compose_sms(texts, event)

    assert text.startswith("Kaira Outdoor: tilauksesi 100235 odottaa noutoa. Vastaa STOP")
    assert "  " not in text and "Noutopaikka" not in text


def test_woocommerce_pickup_statuses_and_the_local_pickup_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pickup_line = {
        "method_id": "pickup_location",
        "meta_data": [
            {"key": "pickup_location", "value": "Kaira Helsinki"},
            {"key": "pickup_address", "value": "Mannerheimintie 12, 00100 Helsinki"},
        ],
    }
    order = {
        "id": 301,
        "number": "100301",
        "status": "ready-for-pickup",
        "billing": {"email": "a@example.fi", "first_name": "Aino", "country": "FI"},
        "shipping_lines": [pickup_line],
    }

    built_in = wc_orders.snapshot(order, "kaira")
    unknown = wc_orders.snapshot({**order, "status": "odottaa-noutoa"}, "kaira")
    monkeypatch.setenv("WOOCOMMERCE_PICKUP_STATUSES", "wc-odottaa-noutoa, noudettavissa")
    configured = wc_orders.snapshot({**order, "status": "odottaa-noutoa"}, "kaira")

    assert built_in.status == "ready_for_pickup" and configured.status == "ready_for_pickup"
    assert unknown.status == "processing"
    assert built_in.pickup_point == "Kaira Helsinki, Mannerheimintie 12, 00100 Helsinki"


# --- the dry run -----------------------------------------------------------------------------


def configured(smtp: SmtpState, sms: SmsState) -> dict[str, str]:
    """The environment of a run whose senders are those of :func:`senders`."""
    return {
        "FAQBOT_SMTP_HOST": smtp.host,
        "FAQBOT_SMTP_PORT": str(smtp.port),
        "FAQBOT_SMTP_FROM": "kauppa@kairaoutdoor.example",
        "FAQBOT_SMTP_STARTTLS": "0",
        "FAQBOT_SMS_URL": sms.url,
        "FAQBOT_SMS_TOKEN": TOKEN,
        "FAQBOT_UNSUBSCRIBE_SECRET": SECRET,
    }


def rows(store: OrderEventStore) -> list[str]:
    with sqlite3.connect(store.path) as conn:
        return list(conn.iterdump())


def summary(planned: list[Planned]) -> list[tuple[str, str, str, str]]:
    return [(p.action, p.item.event.key, p.item.channel, p.item.recipient) for p in planned]


@pytest.mark.parametrize("moment", [NOON, NIGHT], ids=["day", "quiet-hours"])
def test_dry_run_plans_exactly_what_the_real_run_then_does(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
    moment: datetime,
) -> None:
    clock.now = moment
    store.observe([ORDER], settings.channels, TODAY)
    before = rows(store)

    events, due = store.preview([SHIPPED], settings.channels, TODAY)
    planned = plan(due, texts, settings, readiness(configured(smtp, sms), None), moment)

    assert rows(store) == before and smtp.mails == [] and sms.messages == []
    assert store.observe([SHIPPED], settings.channels, TODAY) == events
    report = deliver(store, texts, settings, senders(smtp, sms), now=clock)
    done = [("send", i.event.key, i.channel, i.recipient) for i in report.sent] + [
        ("wait", i.event.key, i.channel, i.recipient) for i in report.held
    ]
    assert sorted(summary(planned)) == sorted(done) and len(done) == 2
    texts_planned = {p.item.channel: p.text for p in planned}
    assert texts_planned["email"] == str(smtp.mails[0].message()["Subject"])
    sms_plan = next(p for p in planned if p.item.channel == "sms")
    if moment == NIGHT:
        assert sms_plan.action == "wait" and "until 08:00 Europe/Helsinki" in sms_plan.reason
        assert sms_plan.line().startswith("would wait (until 08:00 Europe/Helsinki")
    else:
        assert sms_plan.text == sms.messages[0]["text"]
    # afterwards a dry run finds nothing new (at night the SMS waits for the morning)
    again, still_due = store.preview([SHIPPED], settings.channels, TODAY)
    assert again == [] and plan(still_due, texts, settings, readiness({}, None), moment) == []


def test_dry_run_names_the_senders_a_real_run_lacks(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts
) -> None:
    store.watch("conversation-1", "kaira", "100235")
    store.observe([ORDER], settings.channels, TODAY)
    _, due = store.preview([SHIPPED], settings.channels, TODAY)

    planned = plan(due, texts, settings, readiness({}, None), NOON)

    by_channel = {p.item.channel: p for p in planned}
    assert [p.action for p in planned] == ["fail", "wait", "wait"]
    assert "FAQBOT_SMTP_HOST is not set" in by_channel["email"].reason
    assert by_channel["email"].text == "Tilauksesi 100235 on matkalla"  # composed all the same
    assert "no SMS gateway configured" in by_channel["sms"].reason
    assert readiness({}, None).stops == []  # SMTP is only needed when an email is due
    half = readiness({"FAQBOT_SMS_URL": "http://127.0.0.1:9/send"}, None)
    assert half.stops == ["FAQBOT_SMS_URL is set but FAQBOT_SMS_TOKEN (the bearer token) is not"]
    assert half.problems["sms"][0] == "fail"
    assert by_channel["chat"].line() == (
        "would wait (no chat connection in this run): "
        "kaira/100235/shipped/MH4021003823 by chat to conversation-1 (fi)"
    )


def test_dry_run_respects_switches_and_opt_outs(
    store: OrderEventStore, settings: OrderUpdateSettings
) -> None:
    store.observe([replace(ORDER, status="received")], settings.channels, TODAY)
    store.opt_out("email", "mikko.korhonen@EXAMPLE.fi")

    switched_off, nothing = store.preview([ORDER], settings.channels, TODAY)
    store.observe([ORDER], settings.channels, TODAY)
    shipped, due = store.preview([SHIPPED], settings.channels, TODAY)

    assert [event.kind for event in switched_off] == ["processing"] and nothing == []
    assert [event.kind for event in shipped] == ["shipped"]
    assert [(item.channel, item.recipient) for item in due] == [("sms", "+358401112223")]


def test_dry_run_shows_a_broken_template_as_the_real_run_fails_it(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    texts: EmailTexts,
    smtp: SmtpState,
    sms: SmsState,
    clock: Clock,
) -> None:
    broken = texts.model_copy(deep=True)
    broken.orders["fi"].events["shipped"].subject = "Tilaus {numero}"
    store.observe([ORDER], settings.channels, TODAY)
    store.observe([SHIPPED], settings.channels, TODAY)

    planned = plan(store.due(), broken, settings, readiness(configured(smtp, sms), None), NOON)
    report = deliver(store, broken, settings, senders(smtp, sms), now=clock)

    assert [(p.item.channel, p.action) for p in planned] == [("email", "fail"), ("sms", "send")]
    assert "numero" in planned[0].reason
    assert [item.channel for item, _ in report.failed] == ["email"] and smtp.mails == []


def test_dry_run_drops_a_chat_update_that_waited_too_long(
    store: OrderEventStore, settings: OrderUpdateSettings, texts: EmailTexts
) -> None:
    quiet = replace(ORDER, email=None, phone=None)
    store.watch("conversation-1", "kaira", "100235")
    store.observe([quiet], settings.channels, TODAY)
    store.observe([replace(quiet, status="shipped", tracking_code="X1")], settings.channels, TODAY)

    planned = plan(store.due(), texts, settings, readiness({}, Chat()), NOON + timedelta(days=2))

    assert [(p.action, p.reason) for p in planned] == [("drop", "too old for a chat message")]
