"""Text messages for order updates: a small provider interface and one HTTP implementation.

:class:`HttpSmsProvider` posts ``{"to": "+358...", "from": sender, "text": "..."}`` as JSON with
``Authorization: Bearer <token>`` to a URL, which fits most SMS gateways directly or through a
small adapter. It is configured from the environment:

- ``FAQBOT_SMS_URL``: the gateway's send endpoint (https)
- ``FAQBOT_SMS_TOKEN``: the bearer token
- ``FAQBOT_SMS_SENDER``: the sender name or number (default ``faqbot``)
- ``FAQBOT_SMS_TIMEOUT``: seconds per request (default 10)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

import requests

from bot import http
from bot.errors import ConfigError, NotificationError


class SmsProvider(Protocol):
    """Sends one text message."""

    def send(self, to: str, text: str) -> None:
        """Send ``text`` to the phone number ``to`` (international form, ``+358...``).

        Raises:
            NotificationError: not sent; ``retryable`` says whether trying later may help.
        """
        ...


class HttpSmsProvider:
    """A gateway that takes one JSON POST per message, authenticated with a bearer token."""

    def __init__(self, url: str, token: str, sender: str = "faqbot", timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpSmsProvider | None:
        """The provider of ``FAQBOT_SMS_*``; None when ``FAQBOT_SMS_URL`` is not set."""
        env = os.environ if environ is None else environ
        url = env.get("FAQBOT_SMS_URL", "").strip()
        if not url:
            return None
        token = env.get("FAQBOT_SMS_TOKEN", "").strip()
        if not token:
            raise ConfigError(
                "FAQBOT_SMS_URL is set but FAQBOT_SMS_TOKEN (the bearer token) is not"
            )
        try:
            timeout = float(env.get("FAQBOT_SMS_TIMEOUT", "").strip() or 10.0)
        except ValueError:
            raise ConfigError("FAQBOT_SMS_TIMEOUT must be a number of seconds") from None
        return cls(url, token, env.get("FAQBOT_SMS_SENDER", "").strip() or "faqbot", timeout)

    def send(self, to: str, text: str) -> None:
        """POST the message; 4xx (but 408/429) is final, other failures are retryable."""
        try:
            response = http.request(
                "POST",
                self.url,
                json={"to": to, "from": self.sender, "text": text},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise NotificationError(f"SMS gateway did not answer: {type(exc).__name__}") from None
        if response.status_code >= 400:
            final = response.status_code < 500 and response.status_code not in (408, 429)
            raise NotificationError(
                f"SMS gateway refused the message: HTTP {response.status_code} "
                f"{response.text[:200]}",
                retryable=not final,
            )
