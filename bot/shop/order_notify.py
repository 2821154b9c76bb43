"""Proactive order updates: detect changes, then send the outbox by email, SMS and chat.

Which event kinds go out on which channel, the SMS quiet hours and the unsubscribe link are set
per shop in ``data/shop/order_updates.yml`` (:class:`OrderUpdateSettings`); the texts are in
``data/shop/emails.yml`` (``orders:``) and, for the chat, in domain.yml. Changes come from the
embedded shop data (:func:`embedded_snapshots`), WooCommerce webhooks or polling
(:mod:`bot.shop.wc_orders`); :class:`bot.shop.order_events.OrderEventStore` turns them into
events once and queues their notifications. :func:`deliver` sends what is due, retrying
failures with exponential backoff like the handoff outbox (:mod:`handoff.outbox`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Annotated, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from bot.errors import ConfigError, NotificationError, ShopError
from bot.language import LANGUAGES, Language
from bot.shop.catalog import load_catalog, shop_data_dir
from bot.shop.notify import DRY_RUN_SMTP, EmailTexts, Mailer, MailServerDown, SmtpSettings
from bot.shop.order_events import (
    OrderEvent,
    OrderEventStore,
    OrderSnapshot,
    OutboxItem,
    default_path,
)
from bot.shop.sms import SmsProvider
from bot.yamlfile import read_yaml, validate

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # 2 s doubling up to 30 min, as the handoff outbox
FIRST_DELAY = 2.0
MAX_DELAY = 1800.0
CLAIM_SECONDS = 600.0
CHAT_MAX_AGE = timedelta(hours=12)

Kind = Literal["processing", "shipped", "ready_for_pickup", "delivered", "cancelled", "late"]
Channel = Literal["email", "sms", "chat"]


class QuietHours(BaseModel):
    """Local times between which no text message is sent (may span midnight)."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time


class OrderUpdateSettings(BaseModel):
    """``data/shop/order_updates.yml``: one shop's switches for order updates."""

    model_config = ConfigDict(extra="forbid")

    shop: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
    events: dict[Kind, list[Channel]] = {}
    sms_quiet_hours: QuietHours | None = None
    timezone: str = "Europe/Helsinki"
    unsubscribe_url: Annotated[str, StringConstraints(pattern=r"^https?://\S*\{token\}\S*$")]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; e.g. Europe/Helsinki") from None
        return value

    def channels(self, kind: str) -> list[str]:
        """The channels switched on for ``kind`` (none when it is not listed)."""
        return list(self.events.get(kind, []))  # type: ignore[call-overload]

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the quiet hours around ``now`` end (UTC), or None outside them."""
        quiet = self.sms_quiet_hours
        if quiet is None or quiet.start == quiet.end:
            return None
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        if quiet.start < quiet.end:
            inside = quiet.start <= clock < quiet.end
        else:
            inside = clock >= quiet.start or clock < quiet.end
        if not inside:
            return None
        end_day = local.date() if clock < quiet.end else local.date() + timedelta(days=1)
        return datetime.combine(end_day, quiet.end, tzinfo=zone).astimezone(UTC)


def settings_path(data_dir: Path | None = None) -> Path:
    """``order_updates.yml`` in the shop data directory."""
    return (data_dir or shop_data_dir()) / "order_updates.yml"


def load_order_settings(path: Path | None = None) -> OrderUpdateSettings:
    """Read and check ``order_updates.yml``; ShopError lists every problem with file:line."""
    doc = read_yaml(path or settings_path())
    settings = validate(doc, OrderUpdateSettings)
    if doc.problems or settings is None:
        raise ShopError("\n".join(doc.problems) or f"{doc.path}: no order-update settings")
    return settings


# --- unsubscribing ---------------------------------------------------------------------------


def unsubscribe_secret(environ: Mapping[str, str] | None = None) -> str:
    """``$FAQBOT_UNSUBSCRIBE_SECRET``, which signs the unsubscribe links."""
    env = os.environ if environ is None else environ
    secret = env.get("FAQBOT_UNSUBSCRIBE_SECRET", "")
    if len(secret) < 16:
        raise ConfigError(
            "FAQBOT_UNSUBSCRIBE_SECRET must be set (16 characters or more) to send order-update "
            "emails: it signs their unsubscribe links; use the same value for the handoff service"
        )
    return secret


def unsubscribe_token(secret: str, channel: str, address: str) -> str:
    """A link token naming ``address`` on ``channel``, signed so nobody can forge one."""
    payload = f"{channel}:{address}".encode()
    mac = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    """The (channel, address) of a valid token, else None."""
    encoded, _, signature = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        return None
    expected = _b64(hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16])
    if not hmac.compare_digest(expected, signature):
        return None
    channel, _, address = payload.decode("utf-8", "replace").partition(":")
    return (channel, address) if channel in ("email", "sms") and address else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


STOP_WORDS = {"stop", "lopeta", "sluta", "stopp", "seis"}


def is_stop(text: str) -> bool:
    """Whether an SMS reply asks for no more messages (STOP, LOPETA, SLUTA, ...)."""
    return text.strip().strip(".!").casefold() in STOP_WORDS


# --- composing -------------------------------------------------------------------------------


def _language(code: str) -> Language:
    for lang in LANGUAGES:
        if lang == code:
            return lang
    return "fi"


def _values(texts: EmailTexts, snap: OrderSnapshot, unsubscribe: str) -> dict[str, str]:
    lang = _language(snap.language)
    words = texts.orders[lang]
    values = {
        "number": snap.number,
        "tracking_code": snap.tracking_code or "",
        "tracking_url": snap.tracking_url or "",
        "carrier": snap.carrier or "",
        "pickup_point": snap.pickup_point or "",
        "expected": _date(snap.expected_delivery, lang),
        "shop": texts.shop,
        "unsubscribe": unsubscribe,
    }
    values["greeting"] = (
        words.greeting.format(first_name=snap.first_name)
        if snap.first_name
        else words.greeting_plain
    )
    values["tracking"] = (
        words.tracking.format(**values) if snap.tracking_code and snap.tracking_url else ""
    )
    values["pickup"] = words.pickup.format(**values) if snap.pickup_point else ""
    return values


def _date(day: date | None, lang: Language) -> str:
    if day is None:
        return "?"
    return day.isoformat() if lang == "en" else f"{day.day}.{day.month}.{day.year}"


def compose_email(
    texts: EmailTexts,
    settings: OrderUpdateSettings,
    smtp: SmtpSettings,
    secret: str,
    event: OrderEvent,
    to: str,
) -> EmailMessage:
    """The email of one event, in the order's language, with an unsubscribe link."""
    snap = event.snapshot
    lang = _language(snap.language)
    words = texts.orders[lang]
    text = words.events[event.kind]
    url = settings.unsubscribe_url.replace("{token}", unsubscribe_token(secret, "email", to))
    values = _values(texts, snap, words.unsubscribe.format(url=url))
    body = re.sub(r"\n{3,}", "\n\n", text.body.format(**values)).strip() + "\n"
    message = EmailMessage()
    message["Subject"] = " ".join(text.subject.format(**values).split())
    message["From"] = smtp.sender
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(smtp.sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{url}>"
    message.set_content(body)
    message["Content-Language"] = lang
    return message


def compose_sms(texts: EmailTexts, event: OrderEvent) -> str:
    """The text message of one event, with the STOP line."""
    words = texts.orders[_language(event.snapshot.language)]
    values = _values(texts, event.snapshot, "")
    text = f"{words.events[event.kind].sms.format(**values)} {words.sms_stop}"
    return " ".join(text.split())  # an empty placeholder leaves no double space


# --- sending ---------------------------------------------------------------------------------


class ChatSender(Protocol):
    """Puts a proactive bot message about an order into a chat conversation."""

    def send(self, conversation_id: str, event: OrderEvent) -> None:
        """Deliver the message for ``event``.

        Raises:
            NotificationError: not delivered (``retryable`` False: the conversation is gone).
        """
        ...


class EmailSender(Protocol):
    """Sends one email (:class:`bot.shop.notify.Mailer`)."""

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; raises MailServerDown or ShopError when it did not go."""
        ...


@dataclass
class Senders:
    """What can deliver this run; a channel without a sender waits for a run that has one."""

    email: EmailSender | None = None
    smtp: SmtpSettings | None = None
    sms: SmsProvider | None = None
    chat: ChatSender | None = None
    secret: str = ""


@dataclass
class OrderReport:
    """What one run of :func:`deliver` did."""

    sent: list[OutboxItem] = field(default_factory=list)
    held: list[OutboxItem] = field(default_factory=list)  # quiet hours, or no sender configured
    failed: list[tuple[OutboxItem, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"order updates: sent {len(self.sent)}, waiting {len(self.held)}, "
            f"failed {len(self.failed)}"
        )


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure."""
    return float(min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, attempts - 1)))


def deliver(
    store: OrderEventStore,
    texts: EmailTexts,
    settings: OrderUpdateSettings,
    senders: Senders,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> OrderReport:
    """Send every due notification once; failures are retried later, quiet hours respected.

    :func:`plan` says what this would do, without doing it (``--dry-run``).
    """
    report = OrderReport()
    for item in store.due(now()):
        moment = now()
        if item.channel == "chat" and moment - item.event.created_at > CHAT_MAX_AGE:
            # "your order left today" is wrong news two days later
            store.mark_failed(item.id, "too old for a chat message", None)
            continue
        if item.channel == "sms":
            until = settings.quiet_until(moment)
            if until is not None:
                report.held.append(item)
                store.postpone(item.id, until)
                continue
        if not _can_send(item.channel, senders):
            report.held.append(item)
            continue
        if not store.claim(item.id, moment + timedelta(seconds=CLAIM_SECONDS)):
            continue  # another run is sending it right now
        try:
            _send(texts, settings, senders, item)
        except (NotificationError, MailServerDown, ShopError, ValueError, KeyError) as exc:
            retryable = not isinstance(exc, ShopError | ValueError | KeyError) and getattr(
                exc, "retryable", True
            )
            attempts = item.attempts + 1
            give_up = not retryable or attempts >= MAX_ATTEMPTS
            retry_at = None if give_up else moment + timedelta(seconds=retry_delay(attempts))
            store.mark_failed(item.id, str(exc), retry_at)
            report.failed.append((item, str(exc)))
            log.warning(
                "order update %d (%s by %s) failed, attempt %d%s: %s",
                item.id,
                item.event.kind,
                item.channel,
                attempts,
                ", giving up" if give_up else "",
                exc,
            )
            continue
        store.mark_sent(item.id)
        report.sent.append(item)
        log.info("order update %d sent: %s by %s", item.id, item.event.key, item.channel)
    return report


def _can_send(channel: str, senders: Senders) -> bool:
    if channel == "email":
        return senders.email is not None and senders.smtp is not None
    if channel == "sms":
        return senders.sms is not None
    return senders.chat is not None


def _send(
    texts: EmailTexts, settings: OrderUpdateSettings, senders: Senders, item: OutboxItem
) -> None:
    if item.channel == "email":
        assert senders.email is not None and senders.smtp is not None
        senders.email.send(
            compose_email(texts, settings, senders.smtp, senders.secret, item.event, item.recipient)
        )
    elif item.channel == "sms":
        assert senders.sms is not None
        senders.sms.send(item.recipient, compose_sms(texts, item.event))
    else:
        assert senders.chat is not None
        senders.chat.send(item.recipient, item.event)


# --- the dry run ----------------------------------------------------------------------------

Action = Literal["send", "wait", "fail", "drop"]
_VERBS: dict[str, str] = {
    "send": "would send",
    "wait": "would wait",
    "fail": "would fail",
    "drop": "would drop",
}


@dataclass(frozen=True)
class Planned:
    """What a real run would do with one due notification, and why."""

    item: OutboxItem
    action: Action
    reason: str = ""  # why it would wait, fail or be dropped
    text: str = ""  # the email's subject or the whole text message, as composed

    def line(self) -> str:
        """One line for the operator: action, event key, channel, recipient, language, text."""
        item = self.item
        lang = _language(item.event.snapshot.language)
        line = f"{item.event.key} by {item.channel} to {item.recipient} ({lang})"
        if self.text:
            line += f', {"subject" if item.channel == "email" else "text"} "{self.text}"'
        why = f" ({self.reason})" if self.reason else ""
        return f"{_VERBS[self.action]}{why}: {line}"


@dataclass(frozen=True)
class Readiness:
    """How each channel would fare in a real run with this environment."""

    smtp: SmtpSettings  # a stand-in when SMTP is not configured: the subject needs no server
    secret: str
    problems: dict[str, tuple[Action, str]] = field(default_factory=dict)  # channel -> why not
    stops: list[str] = field(default_factory=list)  # errors that stop a real run, due or not


def readiness(environ: Mapping[str, str], chat: ChatSender | None) -> Readiness:
    """Check the senders :func:`open_senders` would open, without connecting to anything."""
    from bot.shop.sms import HttpSmsProvider

    stops = "a real run stops with this error"
    problems: dict[str, tuple[Action, str]] = {}
    stopping: list[str] = []
    smtp = DRY_RUN_SMTP
    secret = "dry-run-stand-in-secret"
    try:
        smtp = SmtpSettings.from_env(environ)
        secret = unsubscribe_secret(environ)
    except ConfigError as exc:
        problems["email"] = ("fail", f"not configured: {exc}; {stops}")
    try:
        if HttpSmsProvider.from_env(environ) is None:
            problems["sms"] = ("wait", "no SMS gateway configured: FAQBOT_SMS_URL is not set")
    except ConfigError as exc:  # open_senders always opens the SMS provider
        problems["sms"] = ("fail", f"not configured: {exc}; {stops}")
        stopping.append(str(exc))
    if chat is None:
        problems["chat"] = ("wait", "no chat connection in this run")
    return Readiness(smtp=smtp, secret=secret, problems=problems, stops=stopping)


def plan(
    items: Iterable[OutboxItem],
    texts: EmailTexts,
    settings: OrderUpdateSettings,
    ready: Readiness,
    now: datetime,
) -> list[Planned]:
    """What :func:`deliver` would do with ``items`` at ``now``; nothing is sent or written.

    Each email and text message is composed with the real templates, so a broken one shows.
    """
    planned = []
    for item in items:
        if item.channel == "chat" and now - item.event.created_at > CHAT_MAX_AGE:
            planned.append(Planned(item, "drop", "too old for a chat message"))
            continue
        try:
            text = _compose_text(texts, settings, ready, item)
        except (ShopError, ValueError, KeyError) as exc:
            planned.append(Planned(item, "fail", f"cannot write the message: {exc!r}"))
            continue
        until = settings.quiet_until(now) if item.channel == "sms" else None
        problem = ready.problems.get(item.channel)
        if until is not None:
            local = until.astimezone(ZoneInfo(settings.timezone))
            why = f"until {local:%H:%M} {settings.timezone}, SMS quiet hours"
            planned.append(Planned(item, "wait", why, text))
        elif problem is not None:
            planned.append(Planned(item, problem[0], problem[1], text))
        else:
            planned.append(Planned(item, "send", "", text))
    return planned


def _compose_text(
    texts: EmailTexts, settings: OrderUpdateSettings, ready: Readiness, item: OutboxItem
) -> str:
    if item.channel == "email":
        message = compose_email(
            texts, settings, ready.smtp, ready.secret, item.event, item.recipient
        )
        return str(message["Subject"])
    if item.channel == "sms":
        return compose_sms(texts, item.event)
    return ""  # the chat message is written by the bot, from domain.yml


def plan_summary(planned: Iterable[Planned]) -> str:
    """The dry run's counterpart of :meth:`OrderReport.summary`."""
    actions = [entry.action for entry in planned]
    return (
        f"order updates: would send {actions.count('send')}, waiting {actions.count('wait')}, "
        f"failed {actions.count('fail')}"
    )


# --- sources of changes ----------------------------------------------------------------------


def embedded_snapshots(data_dir: Path, shop: str, today: date) -> list[OrderSnapshot]:
    """Every order of the embedded shop data (``orders.yml``) as it is now."""
    catalog = load_catalog(data_dir)
    return [
        OrderSnapshot(
            shop=shop,
            number=order.number,
            status=order.status,
            language=order.language,
            email=order.email,
            phone=order.phone,
            first_name=order.first_name,
            carrier=order.carrier,
            tracking_code=order.tracking_code,
            tracking_url=order.tracking_url,
            expected_delivery=order.expected.resolve(today) if order.expected else None,
            pickup_point=order.pickup_point,
        )
        for order in catalog.orders
    ]


def open_senders(
    texts: EmailTexts, settings: OrderUpdateSettings, pending: Iterable[OutboxItem]
) -> Senders:
    """The senders the pending notifications need, configured from the environment."""
    from bot.shop.sms import HttpSmsProvider

    channels = {item.channel for item in pending}
    senders = Senders(sms=HttpSmsProvider.from_env())
    if "email" in channels:
        if not texts.orders:
            raise ShopError("emails.yml has no `orders:` texts for order-update emails")
        senders.smtp = SmtpSettings.from_env()
        senders.email = Mailer(senders.smtp)
        senders.secret = unsubscribe_secret()
    return senders


# --- one run of `faqbot shop notify` ---------------------------------------------------------


def current_orders(
    store: OrderEventStore,
    settings: OrderUpdateSettings,
    *,
    data_dir: Path,
    environ: Mapping[str, str],
    today: date,
    now: datetime,
) -> tuple[list[OrderSnapshot], str | None]:
    """The shop's orders as they are now (embedded data, or WooCommerce polling), and the new
    poll cursor (None for the embedded shop).

    Orders already known are included from their last state too, so one that has become late
    is found without any change in the shop.
    """
    if environ.get("WOOCOMMERCE_URL", "").strip():
        from bot.shop.wc_orders import poll
        from bot.shop.woocommerce import WooCommerceShop

        client = WooCommerceShop.from_env(environ).client
        snapshots, cursor = poll(client, settings.shop, store.cursor(settings.shop), now)
    else:
        snapshots, cursor = embedded_snapshots(data_dir, settings.shop, today), None
    seen = {snap.number for snap in snapshots}
    stored = [snap for snap in store.open_orders(settings.shop) if snap.number not in seen]
    return [*snapshots, *stored], cursor


def run(
    *,
    db: Path | None = None,
    emails: Path,
    data_dir: Path | None = None,
    dry_run: bool = False,
    chat: ChatSender | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """The order part of ``faqbot shop notify``; 1 when something failed (or would fail).

    With ``dry_run`` it prints the events a real run would record and every notification it
    would send, hold or fail, and writes nothing.

    Raises:
        ShopError, ConfigError: the settings or texts are invalid, or a sender is misconfigured.
        ShopUnavailable: the shop did not answer (nothing was recorded).
    """
    from bot.shop.notify import load_email_texts

    env = os.environ if environ is None else environ
    directory = data_dir or shop_data_dir(env)
    path = settings_path(directory)
    if not path.is_file():
        print(f"order updates: off ({path} does not exist)")
        return 0
    settings = load_order_settings(path)
    texts = load_email_texts(emails)
    if dry_run:
        return _dry_run(db, texts, settings, directory, env, chat)
    store = OrderEventStore(db)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    snapshots, cursor = current_orders(
        store, settings, data_dir=directory, environ=env, today=today, now=now
    )
    events = store.observe(snapshots, settings.channels, today)
    if cursor is not None:
        store.set_cursor(settings.shop, cursor)
    for event in events:
        print(f"new event: {event.key}")
    pending = store.due(datetime.now(UTC))  # the new events are due from after `now`
    senders = open_senders(texts, settings, pending)
    senders.chat = chat
    try:
        report = deliver(store, texts, settings, senders)
    finally:
        if isinstance(senders.email, Mailer):
            senders.email.close()
    for item in report.sent:
        print(f"sent: {item.event.key} by {item.channel} to {item.recipient}")
    for item in report.held:
        print(f"waiting: {item.event.key} by {item.channel} to {item.recipient}")
    for item, error in report.failed:
        print(f"failed: {item.event.key} by {item.channel}: {error}")
    print(report.summary())
    return 1 if report.failed else 0


def _dry_run(
    db: Path | None,
    texts: EmailTexts,
    settings: OrderUpdateSettings,
    directory: Path,
    env: Mapping[str, str],
    chat: ChatSender | None,
) -> int:
    ready = readiness(env, chat)
    for error in ready.stops:
        print(f"would fail: {error} (a real run stops with this error)")
    path = db or default_path()
    if not path.is_file():  # a first run only records the orders as they are: no news
        print(f"order updates: nothing to send yet ({path} does not exist)")
        return 1 if ready.stops else 0
    store = OrderEventStore(path)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    snapshots, _ = current_orders(
        store, settings, data_dir=directory, environ=env, today=today, now=now
    )
    events, due = store.preview(snapshots, settings.channels, today)
    for event in events:
        print(f"would record event: {event.key}")
    planned = plan(due, texts, settings, ready, datetime.now(UTC))
    for entry in planned:
        print(entry.line())
    print(plan_summary(planned))
    return 1 if ready.stops or any(entry.action == "fail" for entry in planned) else 0
