"""The one shared ``requests`` session of ``bot``: every outgoing call goes through it."""

from __future__ import annotations

import threading
from typing import Any

import requests

DEFAULT_TIMEOUT = 10.0  # seconds; connect and read

_local = threading.local()


def session() -> requests.Session:
    """The calling thread's session (``requests.Session`` is not guaranteed thread-safe)."""
    current: requests.Session | None = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.headers["User-Agent"] = "faqbot/0.1"
        _local.session = current
    return current


def request(
    method: str,
    url: str,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    **kwargs: Any,
) -> requests.Response:
    """``requests.Session.request`` with a timeout that is never missing."""
    return session().request(method, url, timeout=timeout, **kwargs)
