"""WooCommerce REST API v3 payloads → the plain data of :mod:`bot.shop.models`.

The decisions (see docs/woocommerce.md for the editor's view):

- **Texts**: WooCommerce has one language; its name and (short) description go under fi, sv
  and en alike unless the product has meta fields ``faqbot_name_fi``/``_sv``/``_en`` or
  ``faqbot_description_fi``/``_sv``/``_en``, which win for their language.
- **SKUs**: an empty product SKU becomes ``wc-<product id>``, an empty variation SKU
  ``wc-<variation id>``, so every variant can be found again (stock, restock sign-ups).
- **Variants**: one per published variation, its ``attributes`` mapped to ``size``/``colour``
  (Koko, Storlek, Size, pa_size, ... / Väri, Färg, Colour, Color, pa_color, ...); other
  attributes keep their lower-cased name. Colour names (Musta, Svart, Black, ...) become the
  colour ids of data/shop (``black``); unknown colours are lower-cased; sizes stay as they are.
  A simple product has one variant without attributes.
- **Stock**: WooCommerce has one stock figure, reported as the ``online`` location:
  ``stock_quantity`` when stock is managed, otherwise 1 for ``instock`` ("available, count
  unknown") and 0 for ``outofstock``/``onbackorder``. Per-store stock exists only when the
  product or variation has a ``faqbot_store_stock`` meta field (``{"tampere": 2, ...}``).
- **Restock date**: meta ``faqbot_restock_date`` (``YYYY-MM-DD``) of the variation, else of the
  product; reported only while the online stock is 0.
- **Orders**: see :func:`order_status`.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bot.language import LANGUAGES
from bot.shop.models import Location, OrderStatus, Product, StockLevel, Texts, Variant

log = logging.getLogger(__name__)

ONLINE = Location(
    id="online",
    name={"fi": "verkkokauppa", "sv": "webbutiken", "en": "online store"},  # as data/shop
    is_store=False,
)

_ATTRIBUTE_KEYS = {
    "size": "size",
    "koko": "size",
    "storlek": "size",
    "colour": "colour",
    "color": "colour",
    "väri": "colour",
    "vari": "colour",
    "färg": "colour",
    "farg": "colour",
}
# colour names of the three languages → the colour ids of data/shop (unknown ones: lower-cased)
_COLOURS = {
    name: colour
    for colour, names in {
        "black": ("musta", "svart"),
        "white": ("valkoinen", "vit"),
        "grey": ("harmaa", "grå", "gray"),
        "blue": ("sininen", "blå"),
        "red": ("punainen", "röd"),
        "green": ("vihreä", "grön"),
        "yellow": ("keltainen", "gul"),
        "orange": ("oranssi",),
        "brown": ("ruskea", "brun"),
        "sand": ("hiekka", "hiekanvärinen", "sandfärgad"),
        "beige": (),
        "pink": ("pinkki", "vaaleanpunainen", "rosa"),
        "purple": ("violetti", "lila"),
    }.items()
    for name in (colour, *names)
}
_HIDDEN_STATUSES = ("draft", "pending", "private", "trash")

# WooCommerce order status (plus the common plugin statuses) → OrderStatus.status
_ORDER_STATUSES = {
    "pending": "received",  # awaiting payment
    "on-hold": "received",  # awaiting payment confirmation (e.g. bank transfer)
    "checkout-draft": "received",
    "processing": "processing",  # paid, being picked and packed
    "completed": "shipped",  # fulfilled: WooCommerce knows nothing about the delivery
    "shipped": "shipped",
    "partial-shipped": "shipped",
    # custom statuses of pickup plugins and "Custom Order Status" setups; more with
    # WOOCOMMERCE_PICKUP_STATUSES (see pickup_statuses)
    "ready-for-pickup": "ready_for_pickup",
    "ready-pickup": "ready_for_pickup",
    "ready-to-pickup": "ready_for_pickup",
    "ready-collection": "ready_for_pickup",
    "delivered": "delivered",  # Advanced Shipment Tracking's "Delivered" status
    "cancelled": "cancelled",
    "refunded": "cancelled",
    "failed": "cancelled",
    "trash": "cancelled",
}
_CARRIERS = {
    "posti": "Posti",
    "matkahuolto": "Matkahuolto",
    "db-schenker": "DB Schenker",
    "dbschenker": "DB Schenker",
    "postnord": "PostNord",
    "dhl": "DHL",
    "dhl-express": "DHL Express",
    "ups": "UPS",
    "fedex": "FedEx",
    "budbee": "Budbee",
}
_TRACKING_URLS = {
    "Posti": "https://www.posti.fi/fi/seuranta#/lahetys/{code}",
    "Matkahuolto": "https://www.matkahuolto.fi/seuranta?parcelNumber={code}",
    "PostNord": "https://tracking.postnord.com/fi/?id={code}",
    "DHL": "https://www.dhl.com/fi-en/home/tracking.html?tracking-id={code}",
}
_LANGUAGE_META = ("faqbot_language", "wpml_language", "trp_language", "pll_language")
SAME_DAY_CUTOFF_HOUR = 14  # orders paid on a working day before 14:00 leave the same day


def meta(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``meta_data`` list of a payload as a ``key → value`` dict."""
    items = payload.get("meta_data") or []
    return {
        str(item["key"]): item.get("value")
        for item in items
        if isinstance(item, Mapping) and "key" in item
    }


def plain(text: object) -> str:
    """HTML → plain text (tags dropped, entities decoded, whitespace collapsed)."""
    stripped = re.sub(r"<[^>]*>", " ", str(text or ""))
    return " ".join(html.unescape(stripped).split())


def product_sku(raw: Mapping[str, Any]) -> str:
    """The product's SKU, or ``wc-<id>`` when it has none."""
    return str(raw.get("sku") or "").strip() or f"wc-{raw['id']}"


def is_listed(raw: Mapping[str, Any]) -> bool:
    """Whether a product belongs in the chatbot's catalogue (published, sold by the shop)."""
    return (
        raw.get("status", "publish") not in _HIDDEN_STATUSES
        and raw.get("catalog_visibility", "visible") != "hidden"
        and raw.get("type", "simple") in ("simple", "variable")
    )


def is_published_variation(raw: Mapping[str, Any]) -> bool:
    """Disabled (private) and draft variations are not for sale."""
    status = raw.get("status", "publish")
    return status is True or status not in _HIDDEN_STATUSES


def attribute_key(name: str) -> str:
    """``"pa_koko"``, ``"Storlek"``, ``"Size"`` → ``"size"``; ``"Väri"`` → ``"colour"``."""
    key = name.strip().lower().removeprefix("attribute_").removeprefix("pa_")
    return _ATTRIBUTE_KEYS.get(key, key.replace(" ", "_"))


def to_variant(raw: Mapping[str, Any]) -> Variant:
    """One variation as a :class:`Variant` (attributes without an option mean "any": skipped)."""
    attributes = {}
    for item in raw.get("attributes") or []:
        if item.get("option") and item.get("name"):
            key, value = attribute_key(str(item["name"])), str(item["option"]).strip()
            attributes[key] = (
                _COLOURS.get(value.lower(), value.lower()) if key == "colour" else value
            )
    sku = str(raw.get("sku") or "").strip() or f"wc-{raw['id']}"
    return Variant(sku=sku, attributes=attributes)


def to_product(raw: Mapping[str, Any], variations: Iterable[Mapping[str, Any]]) -> Product:
    """A product with its variants (``variations`` is empty for a simple product)."""
    fields = meta(raw)
    name = plain(raw.get("name"))
    description = plain(raw.get("short_description")) or plain(raw.get("description"))
    if raw.get("type") == "variable":
        variants = tuple(to_variant(v) for v in variations if is_published_variation(v))
    else:
        variants = (Variant(sku=product_sku(raw)),)
    return Product(
        id=str(raw["id"]),
        sku=product_sku(raw),
        name=_texts(fields, "faqbot_name", name),
        description=_texts(fields, "faqbot_description", description),
        variants=variants,
        url=str(raw.get("permalink") or "") or None,
    )


def _texts(fields: Mapping[str, Any], prefix: str, default: str) -> Texts:
    return {lang: plain(fields.get(f"{prefix}_{lang}")) or default for lang in LANGUAGES}


def online_quantity(raw: Mapping[str, Any]) -> int:
    """Units for sale online according to a product or variation payload."""
    status = raw.get("stock_status", "instock")
    if status != "instock":
        return 0
    quantity = raw.get("stock_quantity")
    if raw.get("manage_stock") and isinstance(quantity, int | float):
        return max(int(quantity), 0)
    return 1  # in stock, count not managed


def store_quantities(raw: Mapping[str, Any]) -> dict[str, int]:
    """``faqbot_store_stock`` meta as ``store id → units`` (empty when there is none)."""
    value = meta(raw).get("faqbot_store_stock")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            log.warning("product %s: faqbot_store_stock is not JSON", raw.get("id"))
            return {}
    if not isinstance(value, Mapping):
        return {}
    stores: dict[str, int] = {}
    for name, quantity in value.items():
        try:
            stores[store_id(str(name))] = max(int(quantity), 0)
        except (TypeError, ValueError):
            log.warning("product %s: store %r has no whole number", raw.get("id"), name)
    return stores


def store_id(name: str) -> str:
    """``"Tampere"`` → ``"tampere"``, ``"Kamppi Helsinki"`` → ``"kamppi-helsinki"``."""
    return "-".join(name.strip().lower().split())


def store_location(sid: str, known: Mapping[str, Location]) -> Location:
    """The configured store ``sid``, or one named after its id in every language."""
    if sid in known:
        return known[sid]
    label = sid.replace("-", " ").title()
    return Location(id=sid, name=dict.fromkeys(LANGUAGES, label), is_store=True)


def stock_levels(raw: Mapping[str, Any], known: Mapping[str, Location]) -> tuple[StockLevel, ...]:
    """The online level and, when the meta field exists, one level per store."""
    levels = [StockLevel(ONLINE, online_quantity(raw))]
    for sid, quantity in sorted(store_quantities(raw).items()):
        levels.append(StockLevel(store_location(sid, known), quantity))
    return tuple(levels)


def restock_date(*payloads: Mapping[str, Any]) -> date | None:
    """The first valid ``faqbot_restock_date`` among the payloads (variation, then product)."""
    for raw in payloads:
        value = meta(raw).get("faqbot_restock_date")
        if value:
            parsed = parse_date(value)
            if parsed is None:
                log.warning("%s: faqbot_restock_date %r is not a date", raw.get("id"), value)
            else:
                return parsed
    return None


def parse_date(value: object) -> date | None:
    """``2025-03-01``, ``2025-03-01T10:00:00`` or a Unix timestamp → a date (else None)."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC).date()
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


# --- orders -------------------------------------------------------------------------------


def proof_matches(raw: Mapping[str, Any], proof: str) -> bool:
    """Whether ``proof`` is the order's billing email (any case) or its billing/shipping
    postal code (spaces and case ignored)."""
    proof = proof.strip()
    if not proof:
        return False
    billing = raw.get("billing") or {}
    if "@" in proof:
        email = str(billing.get("email") or "").strip()
        return bool(email) and _same(email.casefold(), proof.casefold())
    wanted = _postcode(proof)
    shipping = raw.get("shipping") or {}
    codes = (_postcode(billing.get("postcode")), _postcode(shipping.get("postcode")))
    return any(code and _same(code, wanted) for code in codes)


def _postcode(value: object) -> str:
    return "".join(str(value or "").split()).upper()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def pickup_statuses(environ: Mapping[str, str] | None = None) -> set[str]:
    """The shop's own "ready for pickup" statuses: ``WOOCOMMERCE_PICKUP_STATUSES``, comma
    separated slugs (as in the REST API, without ``wc-``), on top of the built-in ones."""
    env = os.environ if environ is None else environ
    raw = env.get("WOOCOMMERCE_PICKUP_STATUSES", "")
    return {slug.strip().removeprefix("wc-") for slug in raw.split(",") if slug.strip()}


def _pickup_point(raw: Mapping[str, Any], fields: Mapping[str, Any]) -> str | None:
    """Meta ``faqbot_pickup_point``, else the local pickup location of the shipping line."""
    own = str(fields.get("faqbot_pickup_point") or "").strip()
    if own:
        return own
    for line in raw.get("shipping_lines") or []:
        if not isinstance(line, Mapping):
            continue
        line_meta = meta(line)
        name = str(line_meta.get("pickup_location") or "").strip()
        address = str(line_meta.get("pickup_address") or "").strip()
        if name or address:
            return ", ".join(part for part in (name, address) if part)
    return None


def order_status(raw: Mapping[str, Any]) -> OrderStatus:
    """An order payload as :class:`OrderStatus`.

    Status: pending/on-hold → received, processing → processing (shipped once it has a
    tracking number), completed → shipped (WooCommerce does not know about delivery; the
    "delivered" status of Advanced Shipment Tracking → delivered), ready-for-pickup (and the
    other pickup statuses, :func:`pickup_statuses`) → ready_for_pickup, cancelled/refunded/failed
    → cancelled. Tracking: the last item of the Shipment Tracking meta
    ``_wc_shipment_tracking_items``. Expected delivery: meta ``faqbot_expected_delivery``, else
    an estimate from the ship date (or the order date while processing) plus transit working
    days (3 in Finland, 5 to Åland, 7 abroad).
    """
    fields = meta(raw)
    wc_status = str(raw.get("status") or "pending")
    status = _ORDER_STATUSES.get(wc_status)
    if wc_status in pickup_statuses():
        status = "ready_for_pickup"
    if status is None:
        log.info("unknown WooCommerce order status %r treated as processing", wc_status)
        status = "processing"
    tracking = _tracking(fields.get("_wc_shipment_tracking_items"))
    if status == "processing" and tracking.get("tracking_number"):
        status = "shipped"
    placed = _datetime(raw.get("date_created")) or datetime.now()
    shipped_on = parse_date(tracking.get("date_shipped")) if tracking else None
    if shipped_on is None and status == "shipped":
        shipped_on = parse_date(raw.get("date_completed")) if raw.get("date_completed") else None
    carrier = _carrier(tracking)
    code = str(tracking.get("tracking_number") or "").strip() or None
    return OrderStatus(
        number=str(raw.get("number") or raw.get("id")),
        status=status,
        placed_on=placed.date(),
        expected_delivery=_expected(raw, fields, status, placed, shipped_on),
        carrier=carrier,
        tracking_code=code,
        tracking_url=_tracking_url(tracking, carrier, code),
        items=tuple(_item(line) for line in raw.get("line_items") or []),
        language=_language(raw, fields),
        first_name=str((raw.get("billing") or {}).get("first_name") or "").strip() or None,
        pickup_point=_pickup_point(raw, fields),
        email=str((raw.get("billing") or {}).get("email") or "").strip() or None,
    )


def _tracking(value: object) -> dict[str, Any]:
    """The last Shipment Tracking item (the meta value is a list, or a JSON/dict form of it)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list):
        return {}
    items = [item for item in value if isinstance(item, Mapping)]
    return dict(items[-1]) if items else {}


def _carrier(tracking: Mapping[str, Any]) -> str | None:
    custom = str(tracking.get("custom_tracking_provider") or "").strip()
    if custom:
        return custom
    slug = str(tracking.get("tracking_provider") or "").strip()
    if not slug:
        return None
    return _CARRIERS.get(slug.lower(), slug.replace("-", " ").title())


def _tracking_url(tracking: Mapping[str, Any], carrier: str | None, code: str | None) -> str | None:
    for key in ("custom_tracking_link", "formatted_tracking_link", "ast_tracking_link"):
        link = str(tracking.get(key) or "").strip()
        if link.startswith(("https://", "http://")):
            return link
    template = _TRACKING_URLS.get(carrier or "")
    return template.format(code=quote(code, safe="")) if template and code else None


def _item(line: Mapping[str, Any]) -> str:
    name = plain(line.get("name"))
    quantity = line.get("quantity") or 1
    return f"{name} × {quantity}" if isinstance(quantity, int) and quantity > 1 else name


def _language(raw: Mapping[str, Any], fields: Mapping[str, Any]) -> str:
    for key in _LANGUAGE_META:
        code = str(fields.get(key) or "")[:2].lower()
        if code in LANGUAGES:
            return code
    country = (
        str((raw.get("shipping") or {}).get("country") or "").upper()
        or str((raw.get("billing") or {}).get("country") or "").upper()
    )
    if country in ("SE", "AX"):
        return "sv"
    return "fi" if country in ("FI", "") else "en"


def _datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _expected(
    raw: Mapping[str, Any],
    fields: Mapping[str, Any],
    status: str,
    placed: datetime,
    shipped_on: date | None,
) -> date | None:
    if fields.get("faqbot_expected_delivery"):
        return parse_date(fields["faqbot_expected_delivery"])
    if status == "shipped" and shipped_on is not None:
        return add_working_days(shipped_on, _transit_days(raw))
    if status == "processing":
        leaves = placed.date()
        if leaves.weekday() >= 5 or placed.hour >= SAME_DAY_CUTOFF_HOUR:
            leaves = add_working_days(leaves, 1)
        return add_working_days(leaves, _transit_days(raw))
    return None


def _transit_days(raw: Mapping[str, Any]) -> int:
    address = raw.get("shipping") or {}
    if not address.get("country"):
        address = raw.get("billing") or {}
    country = str(address.get("country") or "FI").upper()
    if country == "AX" or (country == "FI" and _postcode(address.get("postcode")).startswith("22")):
        return 5  # Åland
    return 3 if country == "FI" else 7


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Monday to Friday; public holidays not known)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
