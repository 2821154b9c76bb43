"""Rasa's REST channel as the shopper's side of a conversation (``POST /webhooks/rest/webhook``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests

from bot import http
from bot.errors import BotUnreachable

WEBHOOK = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = (5.0, 60.0)  # seconds: connect, and read (a busy 2-core machine is slow)

_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


@dataclass(frozen=True)
class Button:
    """A quick-reply button of a bot message."""

    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One message of the bot's reply."""

    text: str
    buttons: tuple[Button, ...] = ()


class RestClient:
    """Sends shopper messages to a running bot and returns its replies."""

    def __init__(self, url: str, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        """A client of the Rasa server at ``url``.

        Args:
            url: the Rasa server, e.g. ``http://127.0.0.1:5005``.
            timeout: per message, seconds (or connect, read).

        Raises:
            BotUnreachable: when ``url`` is not an http(s) address.
        """
        if not re.match(r"https?://[^/\s]+", url):
            raise BotUnreachable(f"{url!r} is not a web address; use e.g. http://127.0.0.1:5005")
        self.url = url.rstrip("/")
        self.timeout = timeout

    @property
    def webhook(self) -> str:
        """The REST channel's address."""
        return self.url + WEBHOOK

    def send(self, sender: str, text: str) -> list[BotMessage]:
        """Send ``text`` as ``sender``; the bot's messages in reply.

        Raises:
            BotUnreachable: no connection, no reply in time, or not a REST channel's answer.
        """
        try:
            response = http.request(
                "POST", self.webhook, json={"sender": sender, "message": text}, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise BotUnreachable(f"{self.webhook} did not answer in time ({exc})") from exc
        except requests.RequestException as exc:
            raise BotUnreachable(
                f"cannot reach the bot at {self.url}: {_reason(exc)}; is it running "
                "(make run) and is the address right?"
            ) from exc
        if response.status_code != 200:
            raise BotUnreachable(
                f"{self.webhook} answered HTTP {response.status_code}; is {self.url} a Rasa "
                "server with the REST channel (credentials.yml: rest)?"
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise BotUnreachable(f"{self.webhook} did not answer JSON; is it Rasa?") from exc
        return parse_messages(data, self.webhook)


def parse_messages(data: Any, where: str = "the bot") -> list[BotMessage]:
    """The REST channel's JSON (a list of ``{text, buttons: [{title, payload}]}``) as messages.

    Raises:
        BotUnreachable: when ``data`` has another shape.
    """
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BotUnreachable(f"{where} did not answer a list of messages: {str(data)[:200]}")
    messages = []
    for item in data:
        raw_buttons = item.get("buttons")
        buttons = tuple(
            Button(str(b.get("title") or ""), str(b.get("payload") or ""))
            for b in (raw_buttons if isinstance(raw_buttons, list) else [])
            if isinstance(b, dict)
        )
        messages.append(BotMessage(str(item.get("text") or ""), buttons))
    return messages


def _reason(exc: requests.RequestException) -> str:
    """The operating system's reason (``Connection refused``), else requests' own message."""
    found = _ERRNO.search(str(exc))
    return found.group(1).strip() if found else type(exc).__name__
