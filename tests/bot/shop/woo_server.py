"""A local stand-in for a WooCommerce shop's REST API v3, for tests.

Payloads follow the documented responses (woocommerce-rest-api-docs, wp-api-v3: products,
product variations, orders): every documented field is present, with the same types.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "ck_4f1c0ffee0ddba11c0ffee0ddba11c0ffee0ddb"
SECRET = "cs_9e2decafbad0c0decafbad0c0decafbad0c0de"
API = "/wp-json/wc/v3/"


def product(
    pid: int,
    name: str,
    *,
    type: str = "simple",
    sku: str = "",
    status: str = "publish",
    visibility: str = "visible",
    description: str = "",
    short_description: str = "",
    manage_stock: bool = False,
    stock_quantity: int | None = None,
    stock_status: str = "instock",
    attributes: list[dict[str, Any]] | None = None,
    variations: list[int] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A product as ``GET /products/<id>`` returns it."""
    slug = "-".join(name.lower().replace("-", " ").split())
    return {
        "id": pid,
        "name": name,
        "slug": slug,
        "permalink": f"https://kairaoutdoor.example/product/{slug}/",
        "date_created": "2025-02-03T10:11:12",
        "date_created_gmt": "2025-02-03T08:11:12",
        "date_modified": "2025-02-10T09:00:00",
        "date_modified_gmt": "2025-02-10T07:00:00",
        "type": type,
        "status": status,
        "featured": False,
        "catalog_visibility": visibility,
        "description": description,
        "short_description": short_description,
        "sku": sku,
        "price": "" if type == "variable" else "129.90",
        "regular_price": "" if type == "variable" else "129.90",
        "sale_price": "",
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "price_html": "",
        "on_sale": False,
        "purchasable": True,
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": manage_stock,
        "stock_quantity": stock_quantity,
        "stock_status": stock_status,
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
        "sold_individually": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": True,
        "shipping_taxable": True,
        "shipping_class": "",
        "shipping_class_id": 0,
        "reviews_allowed": True,
        "average_rating": "0.00",
        "rating_count": 0,
        "related_ids": [],
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": 0,
        "purchase_note": "",
        "categories": [{"id": 9, "name": "Retkeily", "slug": "retkeily"}],
        "tags": [],
        "images": [],
        "attributes": attributes or [],
        "default_attributes": [],
        "variations": variations or [],
        "grouped_products": [],
        "menu_order": 0,
        "meta_data": _meta(meta),
        "_links": {
            "self": [{"href": f"https://kairaoutdoor.example{API}products/{pid}"}],
            "collection": [{"href": f"https://kairaoutdoor.example{API}products"}],
        },
    }


def variation(
    vid: int,
    parent: int,
    options: dict[str, str],
    *,
    sku: str = "",
    manage_stock: bool | str = True,
    stock_quantity: int | None = 0,
    stock_status: str = "instock",
    status: str = "publish",
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A variation as ``GET /products/<parent>/variations/<id>`` returns it."""
    return {
        "id": vid,
        "date_created": "2025-02-03T10:11:12",
        "date_created_gmt": "2025-02-03T08:11:12",
        "date_modified": "2025-02-10T09:00:00",
        "date_modified_gmt": "2025-02-10T07:00:00",
        "description": "",
        "permalink": f"https://kairaoutdoor.example/product/p{parent}/?attribute_pa_koko=m",
        "sku": sku,
        "price": "149.90",
        "regular_price": "149.90",
        "sale_price": "",
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "on_sale": False,
        "status": status,
        "purchasable": True,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": manage_stock,
        "stock_quantity": stock_quantity,
        "stock_status": stock_status,
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "image": None,
        "attributes": [
            {"id": index + 1, "name": name, "option": option}
            for index, (name, option) in enumerate(options.items())
        ],
        "menu_order": 0,
        "meta_data": _meta(meta),
        "_links": {
            "self": [
                {"href": f"https://kairaoutdoor.example{API}products/{parent}/variations/{vid}"}
            ],
            "collection": [
                {"href": f"https://kairaoutdoor.example{API}products/{parent}/variations"}
            ],
            "up": [{"href": f"https://kairaoutdoor.example{API}products/{parent}"}],
        },
    }


def order(
    oid: int,
    *,
    number: str | None = None,
    status: str = "processing",
    email: str = "maija.meikalainen@example.fi",
    postcode: str = "33100",
    shipping_postcode: str | None = None,
    country: str = "FI",
    created: str = "2025-03-03T10:15:00",
    completed: str | None = None,
    tracking: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An order as ``GET /orders/<id>`` returns it."""
    address = {
        "first_name": "Maija",
        "last_name": "Meikäläinen",
        "company": "",
        "address_1": "Hämeenkatu 1 A 2",
        "address_2": "",
        "city": "Tampere",
        "state": "",
        "postcode": postcode,
        "country": country,
    }
    fields = dict(meta or {})
    if tracking is not None:
        fields["_wc_shipment_tracking_items"] = tracking
    return {
        "id": oid,
        "parent_id": 0,
        "number": number or str(oid),
        "order_key": f"wc_order_{oid}abc",
        "created_via": "checkout",
        "version": "9.6.0",
        "status": status,
        "currency": "EUR",
        "date_created": created,
        "date_created_gmt": created,
        "date_modified": created,
        "date_modified_gmt": created,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "4.90",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": "154.80",
        "total_tax": "0.00",
        "prices_include_tax": True,
        "customer_id": 0,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "customer_note": "",
        "billing": {**address, "email": email, "phone": "+358401234567"},
        "shipping": {
            **address,
            "postcode": postcode if shipping_postcode is None else shipping_postcode,
        },
        "payment_method": "paytrail",
        "payment_method_title": "Verkkopankki",
        "transaction_id": "",
        "date_paid": created,
        "date_paid_gmt": created,
        "date_completed": completed,
        "date_completed_gmt": completed,
        "cart_hash": "",
        "meta_data": _meta(fields),
        "line_items": [
            {
                "id": 315,
                "name": "Vaellus 45 &ndash; Koko: M, Väri: Musta",
                "product_id": 101,
                "variation_id": 1011,
                "quantity": 1,
                "tax_class": "",
                "subtotal": "149.90",
                "subtotal_tax": "0.00",
                "total": "149.90",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [
                    {"id": 2095, "key": "pa_koko", "value": "m"},
                    {"id": 2096, "key": "pa_vari", "value": "musta"},
                ],
                "sku": "KO-V45-M-BLK",
                "price": 149.9,
            },
            {
                "id": 316,
                "name": "Retkimuki",
                "product_id": 103,
                "variation_id": 0,
                "quantity": 2,
                "tax_class": "",
                "subtotal": "19.80",
                "subtotal_tax": "0.00",
                "total": "19.80",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": "KO-MUG",
                "price": 9.9,
            },
        ],
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": 317,
                "method_title": "Posti pakettiautomaatti",
                "method_id": "flat_rate",
                "total": "4.90",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "_links": {
            "self": [{"href": f"https://kairaoutdoor.example{API}orders/{oid}"}],
            "collection": [{"href": f"https://kairaoutdoor.example{API}orders"}],
        },
    }


def _meta(fields: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {"id": 9000 + index, "key": key, "value": value}
        for index, (key, value) in enumerate((fields or {}).items())
    ]


@dataclass
class WooState:
    """What the fake shop holds, how it misbehaves, and what it was asked."""

    url: str = ""
    products: list[dict[str, Any]] = field(default_factory=list)
    variations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)  # statuses answered before real ones
    always: int | None = None  # answer every request with this status
    retry_after: str | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        """The paths requested so far (below /wp-json/wc/v3/)."""
        return [path for path, _ in self.requests]


def _error(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}


@contextmanager
def woo_server() -> Iterator[WooState]:
    """Run the fake shop on a free local port while the block runs."""
    state = WooState()
    expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.removeprefix(API)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            state.requests.append((path, query))
            if self.headers.get("Authorization") != expected:
                return self._send(
                    401,
                    _error(
                        "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401
                    ),
                )
            status = state.fail_with.pop(0) if state.fail_with else state.always
            if status is not None:
                headers = {"Retry-After": state.retry_after} if state.retry_after else {}
                return self._send(
                    status, _error("internal_server_error", "Service unavailable", status), headers
                )
            self._route(path, query)

        def _route(self, path: str, query: dict[str, str]) -> None:
            segments = path.strip("/").split("/")
            if segments == ["products"]:
                return self._page(state.products, query, "products")
            if len(segments) == 2 and segments[0] == "products":
                found = [p for p in state.products if str(p["id"]) == segments[1]]
                if found:
                    return self._send(200, found[0])
                return self._send(
                    404, _error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
                )
            if len(segments) == 3 and segments[0] == "products" and segments[2] == "variations":
                items = state.variations.get(int(segments[1]), [])
                return self._page(items, query, path)
            if segments == ["orders"]:
                term = query.get("search", "").lower()
                items = [
                    o
                    for o in state.orders
                    if term in o["number"].lower() or term in o["billing"]["email"].lower()
                ]
                after = query.get("modified_after")
                if after:  # WooCommerce compares with the GMT date when dates_are_gmt=true
                    items = [o for o in items if o["date_modified_gmt"] > after]
                return self._page(items, query, "orders")
            if len(segments) == 2 and segments[0] == "orders":
                found = [o for o in state.orders if str(o["id"]) == segments[1]]
                if found:
                    return self._send(200, found[0])
                return self._send(
                    404, _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
                )
            self._send(404, _error("rest_no_route", "No route was found matching the URL", 404))

        def _page(self, items: list[dict[str, Any]], query: dict[str, str], base: str) -> None:
            per_page = int(query.get("per_page", "10"))
            page = int(query.get("page", "1"))
            pages = max(1, math.ceil(len(items) / per_page))
            chunk = items[(page - 1) * per_page : page * per_page]
            link = f'<{state.url}{API}{base}?page={page + 1}>; rel="next"' if page < pages else ""
            headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
            if link:
                headers["Link"] = link
            self._send(200, chunk, headers)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
