"""``faqbot shop notify``: email every pending sign-up whose variant is back in stock.

Run it on a schedule (cron, systemd timer). Each sign-up gets one email, in the shopper's
language, with the texts of ``data/shop/emails.yml``; it is then marked notified. A failure
(shop not answering, SMTP server down, address refused) is reported and the sign-up stays
pending, so the next run tries again.

SMTP settings come from the environment: ``FAQBOT_SMTP_HOST``, ``FAQBOT_SMTP_PORT`` (587),
``FAQBOT_SMTP_USER``, ``FAQBOT_SMTP_PASSWORD``, ``FAQBOT_SMTP_FROM``, ``FAQBOT_SMTP_STARTTLS``
(1) and ``FAQBOT_SMTP_TIMEOUT`` (10 seconds).
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ConfigError, ShopError, ShopUnavailable
from bot.language import LANGUAGES, Language
from bot.shop.base import ShopBackend
from bot.shop.catalog import DEFAULT_DATA_DIR
from bot.shop.models import Product, Variant, VariantStock
from bot.shop.notifications import RestockStore, Signup, default_path
from bot.shop.order_texts import OrderTexts, check_order_texts
from bot.yamlfile import read_yaml, validate

log = logging.getLogger(__name__)

DEFAULT_EMAILS = DEFAULT_DATA_DIR / "emails.yml"
_FIELDS = {"product", "variant", "item", "link", "url", "shop"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how restock emails are sent."""

    host: str
    sender: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """The ``FAQBOT_SMTP_*`` settings; ConfigError when something is missing or invalid."""
        env = os.environ if environ is None else environ
        host = env.get("FAQBOT_SMTP_HOST", "").strip()
        sender = env.get("FAQBOT_SMTP_FROM", "").strip()
        if not host:
            raise ConfigError("FAQBOT_SMTP_HOST is not set (the SMTP server for restock emails)")
        if "@" not in parseaddr(sender)[1]:
            raise ConfigError(
                "FAQBOT_SMTP_FROM must be the sender's address, e.g. "
                '"Kaira Outdoor <asiakaspalvelu@kairaoutdoor.example>"'
            )
        starttls = env.get("FAQBOT_SMTP_STARTTLS", "1").strip().lower()
        if starttls not in _TRUE | _FALSE:
            raise ConfigError(f"FAQBOT_SMTP_STARTTLS must be 1 or 0, not {starttls!r}")
        try:
            port = int(env.get("FAQBOT_SMTP_PORT", "").strip() or 587)
            timeout = float(env.get("FAQBOT_SMTP_TIMEOUT", "").strip() or 10.0)
        except ValueError:
            raise ConfigError("FAQBOT_SMTP_PORT and FAQBOT_SMTP_TIMEOUT must be numbers") from None
        return cls(
            host=host,
            sender=sender,
            port=port,
            user=env.get("FAQBOT_SMTP_USER", "").strip() or None,
            password=env.get("FAQBOT_SMTP_PASSWORD") or None,
            starttls=starttls in _TRUE,
            timeout=timeout,
        )


# --- texts ----------------------------------------------------------------------------------

NonEmpty = Annotated[str, Field(min_length=1)]


class EmailText(BaseModel):
    """Subject, body and product-link line of one language."""

    model_config = ConfigDict(extra="forbid")

    subject: NonEmpty
    body: NonEmpty
    link: str = "{url}"


class EmailTexts(BaseModel):
    """The contents of ``data/shop/emails.yml``."""

    model_config = ConfigDict(extra="forbid")

    shop: NonEmpty
    attributes: dict[Language, dict[str, str]] = {}
    colours: dict[Language, dict[str, str]] = {}
    restock: dict[Language, EmailText]
    orders: dict[Language, OrderTexts] = {}


def load_email_texts(path: Path = DEFAULT_EMAILS) -> EmailTexts:
    """Read and check the email texts; ShopError lists every problem."""
    doc = read_yaml(path)
    texts = validate(doc, EmailTexts)
    if texts is not None:
        for lang in LANGUAGES:
            if lang not in texts.restock:
                doc.problems.append(f"{doc.where(('restock',))}: restock.{lang} is missing")
        for lang, text in texts.restock.items():
            for part in ("subject", "body", "link"):
                unknown = _placeholders(getattr(text, part)) - _FIELDS
                if unknown:
                    doc.problems.append(
                        f"{doc.where(('restock', lang, part))}: restock.{lang}.{part}: unknown "
                        f"placeholder(s) {', '.join(sorted(unknown))}; "
                        f"use {', '.join(sorted(_FIELDS))}"
                    )
        check_order_texts(doc, texts.orders)
    if doc.problems or texts is None:
        raise ShopError("\n".join(doc.problems) or f"{path}: no email texts")
    return texts


def _language(code: str) -> Language:
    for lang in LANGUAGES:
        if lang == code:
            return lang
    return "en"


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def compose(
    texts: EmailTexts, smtp: SmtpSettings, signup: Signup, product: Product, variant: Variant
) -> EmailMessage:
    """The restock email of one sign-up, in its language."""
    lang = _language(signup.language)
    text = texts.restock[lang]
    words = texts.attributes.get(lang, {})
    colours = texts.colours.get(lang, {})
    described = ", ".join(
        f"{words.get(key, key.replace('_', ' '))} "
        + (colours.get(value.lower(), value) if key == "colour" else value)
        for key, value in variant.attributes.items()
    )
    name = product.name.get(lang) or next(iter(product.name.values()), product.sku)
    url = product.url or ""
    values = {
        "product": name,
        "variant": described,
        "item": f"{name} ({described})" if described else name,
        "url": url,
        "shop": texts.shop,
    }
    values["link"] = text.link.format(**values) if url else ""
    body = re.sub(r"\n{3,}", "\n\n", text.body.format(**values)).strip() + "\n"
    message = EmailMessage()
    message["Subject"] = " ".join(text.subject.format(**values).split())
    message["From"] = smtp.sender
    message["To"] = signup.email
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(smtp.sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return message


# --- sending --------------------------------------------------------------------------------


class MailServerDown(Exception):
    """The SMTP server cannot be used in this run (connection, TLS or login failed)."""


class Mailer:
    """One SMTP connection for the whole run, opened on the first email."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._down: str | None = None

    def send(self, message: EmailMessage) -> None:
        if self._down:
            raise MailServerDown(self._down)
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise ShopError(f"the SMTP server refused the email: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._down = f"SMTP server {self.settings.host}:{self.settings.port}: {exc!s}"
            self.close()
            raise MailServerDown(self._down) from exc

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


# composes an email in a dry run without SMTP settings (only the sender is used)
DRY_RUN_SMTP = SmtpSettings(host="", sender="faqbot@localhost")


@dataclass
class NotifyReport:
    """What one run did."""

    sent: list[Signup] = field(default_factory=list)
    waiting: list[Signup] = field(default_factory=list)  # still sold out
    failed: list[tuple[Signup, str]] = field(default_factory=list)
    dry_run: bool = False
    subjects: dict[int, str] = field(default_factory=dict)  # sign-up id -> the email's subject

    def summary(self) -> str:
        """One line for the operator."""
        verb = "would send" if self.dry_run else "sent"
        return (
            f"{verb} {len(self.sent)}, still sold out {len(self.waiting)}, "
            f"failed {len(self.failed)}"
        )


def notify_restocks(
    backend: ShopBackend,
    store: RestockStore,
    smtp: SmtpSettings | None,
    texts: EmailTexts,
    *,
    dry_run: bool = False,
) -> NotifyReport:
    """Email every pending sign-up whose variant is back in stock.

    With ``dry_run`` each email is composed (``smtp`` may then be None: only its sender is
    used) but neither sent nor recorded; its subject is in ``report.subjects``.

    Raises:
        ShopUnavailable: the catalogue could not be read (nothing was sent or changed).
    """
    report = NotifyReport(dry_run=dry_run)
    pending = store.pending()
    if not pending:
        return report
    if smtp is None and not dry_run:
        raise ConfigError("SMTP settings are needed to send restock emails")
    catalogue = {product.id: product for product in backend.products()}
    stocks: dict[tuple[str, str], VariantStock | str] = {}
    mailer = Mailer(smtp) if smtp is not None and not dry_run else None
    try:
        for signup in pending:
            found = _find(catalogue, signup)
            if isinstance(found, str):
                _fail(store, report, signup, found, dry_run)
                continue
            product, variant = found
            stock = stocks.get((product.id, variant.sku))
            if stock is None:
                stock = stocks[product.id, variant.sku] = _stock(backend, product, variant)
            if isinstance(stock, str):
                _fail(store, report, signup, stock, dry_run)
            elif stock.sold_out:
                report.waiting.append(signup)
            elif dry_run or store.claim(signup.id):  # not claimed: another run is sending it
                try:
                    message = compose(texts, smtp or DRY_RUN_SMTP, signup, product, variant)
                except ValueError as exc:  # e.g. an address edited into the database by hand
                    _fail(store, report, signup, f"cannot write the email: {exc}", dry_run)
                    continue
                if dry_run:
                    report.sent.append(signup)
                    report.subjects[signup.id] = str(message["Subject"])
                else:
                    assert mailer is not None
                    _send(store, report, mailer, message, signup)
    finally:
        if mailer is not None:
            mailer.close()
    return report


def _find(catalogue: Mapping[str, Product], signup: Signup) -> tuple[Product, Variant] | str:
    product = catalogue.get(signup.product_id)
    if product is None:
        return f"product {signup.product_id} is no longer in the catalogue"
    for variant in product.variants:
        if variant.sku == signup.variant_sku:
            return product, variant
    return f"product {signup.product_id} has no variant {signup.variant_sku} any more"


def _stock(backend: ShopBackend, product: Product, variant: Variant) -> VariantStock | str:
    try:
        stocks = backend.stock(product, variant)
    except (ShopUnavailable, ShopError) as exc:
        return f"stock of {variant.sku} unknown: {exc}"
    for stock in stocks:
        if stock.variant.sku == variant.sku:
            return stock
    return f"the shop reports no stock for {variant.sku}"


def _send(
    store: RestockStore,
    report: NotifyReport,
    mailer: Mailer,
    message: EmailMessage,
    signup: Signup,
) -> None:
    try:
        mailer.send(message)
    except (MailServerDown, ShopError) as exc:
        _fail(store, report, signup, str(exc), dry_run=False)
        return
    store.mark_notified(signup.id)
    report.sent.append(signup)
    log.info("restock email sent to sign-up %d (%s)", signup.id, signup.variant_sku)


def _fail(
    store: RestockStore, report: NotifyReport, signup: Signup, error: str, dry_run: bool
) -> None:
    report.failed.append((signup, error))
    if not dry_run:
        store.record_failure(signup.id, error)


def run(*, db: Path | None = None, emails: Path = DEFAULT_EMAILS, dry_run: bool = False) -> int:
    """``faqbot shop notify``: one run with the configured backend; 1 when something failed.

    With ``dry_run`` it lists each email it would send (recipient, variant, language, subject)
    and writes nothing; 1 when a real run would fail.
    """
    from bot.shop.factory import load_backend

    texts = load_email_texts(emails)
    if not dry_run:
        smtp: SmtpSettings | None = SmtpSettings.from_env()
        report = notify_restocks(load_backend(), RestockStore(db), smtp, texts)
        for signup in report.sent:
            print(f"sent: #{signup.id} {signup.email} {signup.variant_sku} ({signup.language})")
        return _report(report)
    try:
        smtp, stop = SmtpSettings.from_env(), ""
    except ConfigError as exc:  # a real run stops at once, before the order updates too
        smtp, stop = None, str(exc)
        print(f"would fail: {exc} (a real `faqbot shop notify` stops with this error)")
    path = db or default_path()
    if not path.is_file():  # nobody has signed up yet; a dry run creates no database
        print(f"would send 0: no sign-ups yet ({path} does not exist)")
        return 1 if stop else 0
    report = notify_restocks(load_backend(), RestockStore(path), smtp, texts, dry_run=True)
    verb = "would fail (SMTP not configured)" if stop else "would send"
    for signup in report.sent:
        print(
            f"{verb}: #{signup.id} {signup.email} {signup.variant_sku} ({signup.language}), "
            f'subject "{report.subjects[signup.id]}"'
        )
    if stop:
        report.failed.extend((signup, stop) for signup in report.sent)
        report.sent = []
    return max(_report(report), 1 if stop else 0)


def _report(report: NotifyReport) -> int:
    for signup, error in report.failed:
        print(f"failed: #{signup.id} {signup.email} {signup.variant_sku}: {error}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0
