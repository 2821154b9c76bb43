"""Outgoing HTTP of ``handoff``: the one shared session of :mod:`bot.http`, with a shorter timeout
(agents and shoppers wait on these calls) and its own User-Agent."""

from __future__ import annotations

from typing import Any

import requests

from bot import http as shared

DEFAULT_TIMEOUT = 5.0  # seconds; connect and read
USER_AGENT = "faqbot-handoff/0.1"


def request(
    method: str, url: str, *, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any
) -> requests.Response:
    """``requests.Session.request`` through the shared session, with a timeout never missing."""
    headers = {"User-Agent": USER_AGENT, **(kwargs.pop("headers", None) or {})}
    return shared.request(method, url, timeout=timeout, headers=headers, **kwargs)
