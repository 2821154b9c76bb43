"""A small read-only client of the WooCommerce REST API v3 (timeouts, retries, pagination).

Every call goes through :mod:`bot.http`. Connection errors, timeouts, HTTP 5xx and 429 are
retried with exponential backoff inside an overall time budget (a shopper is waiting); when the
budget or the attempts run out the client raises :class:`~bot.errors.ShopUnavailable`.
HTTP 401/403 raise :class:`~bot.errors.ShopError` (wrong keys are not worth retrying).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from bot import http
from bot.errors import ShopError, ShopUnavailable

log = logging.getLogger(__name__)

API_PREFIX = "/wp-json/wc/v3/"
MAX_PER_PAGE = 100  # the WordPress REST API refuses more
MAX_PAGES = 1000  # a safety stop for a server that keeps announcing more pages
MAX_DELAY = 8.0  # seconds; cap of one backoff pause (also of a server's Retry-After)


class NotFound(Exception):
    """HTTP 404 from WooCommerce (an unknown id); callers turn it into "no such thing"."""


class WooCommerceClient:
    """GET requests against ``<url>/wp-json/wc/v3/`` with HTTP basic auth (consumer key/secret).

    Args:
        url: the shop's base URL, e.g. ``https://kairaoutdoor.example``.
        key: the REST API consumer key (``ck_...``).
        secret: the consumer secret (``cs_...``).
        timeout: seconds for connecting and for reading one response.
        retries: how many times a failed request is repeated.
        backoff: the first pause between attempts; it doubles every time.
        budget: seconds one call may take at most, retries included.
        per_page: items per page of a collection (at most 100).
    """

    def __init__(
        self,
        url: str,
        key: str,
        secret: str,
        *,
        timeout: float = 8.0,
        retries: int = 2,
        backoff: float = 0.5,
        budget: float = 20.0,
        per_page: int = MAX_PER_PAGE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ShopError(f"WOOCOMMERCE_URL {url!r} is not an http(s) URL of the shop")
        if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            log.warning("WooCommerce over plain http sends the API keys unencrypted; use https")
        self.base = url.strip().rstrip("/") + API_PREFIX
        self._auth = (key, secret)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.budget = budget
        self.per_page = max(1, min(per_page, MAX_PER_PAGE))
        self._sleep = sleep
        self._clock = clock

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The decoded JSON of ``GET <base>/<path>``; raises :class:`NotFound` on 404."""
        return _json(self._request(path, params))

    def get_all(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated collection, following ``X-WP-TotalPages``."""
        query = {**(params or {}), "per_page": self.per_page}
        page, total = 1, 1
        while page <= min(total, MAX_PAGES):
            response = self._request(path, {**query, "page": page})
            items = _json(response)
            if not isinstance(items, list):
                raise ShopError(f"WooCommerce {path} did not return a list")
            yield from items
            header = response.headers.get("X-WP-TotalPages")
            if header is not None and header.strip().isdigit():
                total = int(header)
            elif len(items) == self.per_page:  # no header: go on while pages are full
                total = page + 1
            page += 1

    def _request(self, path: str, params: dict[str, Any] | None) -> requests.Response:
        url = self.base + path.lstrip("/")
        started = self._clock()
        problem = ""
        for attempt in range(self.retries + 1):
            try:
                response = http.request(
                    "GET",
                    url,
                    params=params,
                    auth=self._auth,
                    headers={"Accept": "application/json"},
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem, wait = _describe(exc), self._delay(attempt, None)
            except requests.RequestException as exc:
                raise ShopError(f"cannot call WooCommerce at {url}: {exc}") from exc
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status in (401, 403):
                    raise ShopError(
                        f"WooCommerce refused the API keys (HTTP {status}): check "
                        "WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET (a key with read access)"
                    )
                if status == 404:
                    raise NotFound(path)
                if status != 429 and status < 500:
                    raise ShopError(f"WooCommerce answered HTTP {status} to GET {path}")
                problem = f"HTTP {status}"
                wait = self._delay(attempt, response.headers.get("Retry-After"))
            if attempt == self.retries or self._clock() - started + wait > self.budget:
                break
            log.info("WooCommerce %s (%s); retrying in %.1f s", path, problem, wait)
            self._sleep(wait)
        raise ShopUnavailable(
            f"the shop system (WooCommerce at {self.base}) is not answering: {problem}"
        )

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_DELAY)
        return min(self.backoff * 2**attempt, MAX_DELAY)


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return f"cannot connect ({type(exc).__name__})"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ShopError(
            f"WooCommerce did not return JSON from {response.url}; check WOOCOMMERCE_URL "
            "(the shop's address) and that pretty permalinks are on"
        ) from exc
