"""The one shared ``requests`` session; every outgoing call goes through :func:`request`."""

from __future__ import annotations

import threading
from typing import Any

import requests

DEFAULT_TIMEOUT = 5.0  # seconds; connect and read

_local = threading.local()


def session() -> requests.Session:
    """The calling thread's session (``requests.Session`` is not guaranteed thread-safe)."""
    current: requests.Session | None = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.headers["User-Agent"] = "faqbot-handoff/0.1"
        _local.session = current
    return current


def request(
    method: str, url: str, *, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any
) -> requests.Response:
    """``requests.Session.request`` with a timeout that is never missing."""
    return session().request(method, url, timeout=timeout, **kwargs)
