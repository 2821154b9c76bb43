"""Facebook Messenger's Send API, for agent messages during a handoff.

The bot's own answers reach Messenger through Rasa's channel (``channels/messenger.py``); while
an agent has the chat, the handoff service sends the agent's words itself, so it can choose the
messaging type Messenger's policy requires:

- within 24 hours of the shopper's last message: ``messaging_type: RESPONSE``;
- later, up to 7 days: ``messaging_type: MESSAGE_TAG`` with ``tag: HUMAN_AGENT`` (the page
  needs Messenger's *Human Agent* permission for that);
- after 7 days Messenger accepts nothing: :func:`can_reach` says so before trying.

The bot's buttons become Messenger quick replies (:func:`quick_reply_message`); Rasa's
Messenger channel (``channels/messenger.py``) uses the same function, so the bot's and the
handoff service's messages look alike.

Settings come from the environment: ``FACEBOOK_PAGE_ACCESS_TOKEN`` (required),
``FACEBOOK_GRAPH_URL`` (default ``https://graph.facebook.com``; tests point it at a local
receiver), ``FACEBOOK_GRAPH_VERSION`` (default ``v19.0``) and ``FACEBOOK_APP_SECRET``
(optional: adds ``appsecret_proof`` to every call, which pages with *Require App Secret* need).
Rasa's Messenger channel reads the Graph API's address with the same :func:`graph_api_from_env`,
so this module stays importable in Rasa's process (Python 3.10, no FastAPI or SQLAlchemy).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from handoff import http
from handoff.errors import MessengerError

log = logging.getLogger(__name__)

CHANNEL = "facebook"
"""The Rasa input channel name of Messenger conversations (``Ticket.channel``)."""

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v19.0"
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
TEXT_LIMIT = 2000  # characters per Messenger text message
TITLE_LIMIT = 20  # characters of a quick reply's title Messenger shows
QUICK_REPLY_LIMIT = 13
PAYLOAD_LIMIT = 1000
ELLIPSIS = "…"

_RETRYABLE_STATUSES = frozenset({408, 429})
_ERROR_EXCERPT = 300


def graph_api_from_env() -> tuple[str, str]:
    """``(graph_url, graph_version)`` from ``FACEBOOK_GRAPH_URL`` and ``FACEBOOK_GRAPH_VERSION``
    (or the defaults); a version without its ``v`` gets one (``20.0`` → ``v20.0``)."""
    version = os.environ.get("FACEBOOK_GRAPH_VERSION") or DEFAULT_GRAPH_VERSION
    url = os.environ.get("FACEBOOK_GRAPH_URL") or DEFAULT_GRAPH_URL
    return url, version if version.startswith("v") else f"v{version}"


@dataclass(frozen=True)
class MessengerConfig:
    """Where and as which page to send."""

    page_access_token: str
    graph_url: str = DEFAULT_GRAPH_URL
    graph_version: str = DEFAULT_GRAPH_VERSION
    app_secret: str | None = None

    @classmethod
    def from_env(cls) -> MessengerConfig:
        """Read the ``FACEBOOK_*`` environment variables.

        Raises:
            MessengerError: ``FACEBOOK_PAGE_ACCESS_TOKEN`` is not set.
        """
        token = os.environ.get("FACEBOOK_PAGE_ACCESS_TOKEN", "")
        if not token:
            raise MessengerError(
                "Messenger is not configured for the handoff service: set "
                "FACEBOOK_PAGE_ACCESS_TOKEN (and FACEBOOK_APP_SECRET) to the page's values"
            )
        graph_url, graph_version = graph_api_from_env()
        return cls(
            page_access_token=token,
            graph_url=graph_url,
            graph_version=graph_version,
            app_secret=os.environ.get("FACEBOOK_APP_SECRET") or None,
        )

    @property
    def messages_url(self) -> str:
        """The Send API endpoint."""
        return f"{self.graph_url.rstrip('/')}/{self.graph_version}/me/messages"


def can_reach(last_user_message_at: datetime, now: datetime) -> bool:
    """Whether Messenger still lets the page write to a user who last wrote then."""
    return now - last_user_message_at <= HUMAN_AGENT_WINDOW


def messaging_type(last_user_message_at: datetime, now: datetime) -> dict[str, str]:
    """The ``messaging_type`` (and ``tag``) fields for a message sent ``now``."""
    if now - last_user_message_at <= STANDARD_WINDOW:
        return {"messaging_type": "RESPONSE"}
    return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at paragraphs, lines or spaces."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= limit // 2:  # no sensible break: cut hard
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def shorten(title: str, limit: int = TITLE_LIMIT) -> str:
    """``title`` in at most ``limit`` characters, cut at a word boundary when it is long."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    room = title[: limit - len(ELLIPSIS) + 1]
    cut = room.rfind(" ")
    kept = room[:cut] if cut >= limit // 2 else room[: limit - len(ELLIPSIS)]
    return kept.rstrip(" ,.;:!?-–") + ELLIPSIS


def quick_reply_message(text: str, buttons: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A Send API ``message``: ``text`` with the bot's buttons as quick replies.

    Messenger's button template takes at most 3 buttons, but the bot offers up to 4 (three
    clarification choices and "none of these"), so every button becomes a quick reply
    (``content_type: text``, at most 13, payload = the button's payload: a tap comes back as
    ``message.quick_reply.payload``). Messenger shows 20 characters of a title:

    - titles that fit are sent as they are (yes/no, "Talk to a person");
    - a single long title is shortened at a word boundary with "…";
    - when several buttons have a long title (clarification questions), the full choices are
      listed, numbered, under the text, and the titles become "1. Kuinka kauan…", "2. …".

    Buttons without a title or payload are skipped.
    """
    usable = [
        (" ".join(str(b["title"]).split()), str(b["payload"]))
        for b in buttons
        if b.get("title") and b.get("payload") and len(str(b["payload"])) <= PAYLOAD_LIMIT
    ][:QUICK_REPLY_LIMIT]
    if not usable:
        return {"text": text}
    numbered = len(usable) > 1 and any(len(title) > TITLE_LIMIT for title, _ in usable)
    if numbered:
        listing = "\n".join(f"{n}. {title}" for n, (title, _) in enumerate(usable, 1))
        text = f"{text}\n\n{listing}" if text else listing
        titles = [
            f"{n}. " + shorten(title, TITLE_LIMIT - len(f"{n}. "))
            for n, (title, _) in enumerate(usable, 1)
        ]
    else:
        titles = [shorten(title) for title, _ in usable]
    return {
        "text": text,
        "quick_replies": [
            {"content_type": "text", "title": title, "payload": payload}
            for title, (_, payload) in zip(titles, usable, strict=True)
        ],
    }


class MessengerClient:
    """Sends text messages through the Send API, retrying what may succeed later."""

    def __init__(
        self,
        config: MessengerConfig,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_env(cls) -> MessengerClient:
        """A client for the page configured in the environment (see :class:`MessengerConfig`)."""
        return cls(MessengerConfig.from_env())

    def send_text(
        self,
        psid: str,
        text: str,
        *,
        last_user_message_at: datetime,
        now: datetime,
        buttons: Iterable[Mapping[str, Any]] = (),
    ) -> list[str]:
        """Send ``text`` to the user with page-scoped id ``psid``; the Send API's message ids.

        Texts longer than Messenger allows go out as several messages; ``buttons`` become
        quick replies of the last one (:func:`quick_reply_message`).

        Raises:
            MessengerError: the API refused the message, or did not answer in
                ``attempts`` tries.
        """
        fields = messaging_type(last_user_message_at, now)
        parts = split_text(text)
        last = quick_reply_message(parts.pop() if parts else "", buttons)
        if len(last["text"]) > TEXT_LIMIT:  # the listed choices made it too long
            *more, tail = split_text(last["text"])
            parts, last = [*parts, *more], {**last, "text": tail}
        messages = [{"text": part} for part in parts] + [last]
        ids = []
        for message in messages:
            body = {"recipient": {"id": psid}, **fields, "message": message}
            result = self.send(body)
            ids.append(str(result.get("message_id", "")))
        return ids

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST one Send API request, with retries and backoff for transient failures.

        Raises:
            MessengerError: not retryable (e.g. 400: bad recipient, closed window), or still
                failing after the last attempt.
        """
        for attempt in range(1, self.attempts + 1):
            try:
                return self._post(body)
            except MessengerError as exc:
                if not exc.retryable or attempt == self.attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "Send API attempt %d/%d failed (%s); retrying in %.1f s",
                    attempt,
                    self.attempts,
                    exc,
                    delay,
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _params(self) -> dict[str, str]:
        params = {"access_token": self.config.page_access_token}
        if self.config.app_secret:
            params["appsecret_proof"] = hmac.new(
                self.config.app_secret.encode(),
                self.config.page_access_token.encode(),
                hashlib.sha256,
            ).hexdigest()
        return params

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        params = self._params()
        try:
            response = http.request(
                "POST", self.config.messages_url, params=params, json=body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            invalid = isinstance(
                exc,
                requests.exceptions.InvalidURL
                | requests.exceptions.MissingSchema
                | requests.exceptions.InvalidSchema,
            )
            raise MessengerError(
                self._scrub(f"Send API at {self.config.messages_url} failed: {exc}"),
                retryable=not invalid,
            ) from None
        if 200 <= response.status_code < 300:
            try:
                return dict(response.json())
            except ValueError:
                return {}
        raise self._refused(response)

    def _refused(self, response: requests.Response) -> MessengerError:
        status = response.status_code
        detail = " ".join(response.text[:_ERROR_EXCERPT].split())
        transient = False
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if isinstance(error, dict) and error.get("message"):
            code = error.get("code")
            subcode = error.get("error_subcode")
            detail = f"{error['message']} (code {code}" + (
                f", subcode {subcode})" if subcode else ")"
            )
            transient = bool(error.get("is_transient"))
        retryable = status >= 500 or status in _RETRYABLE_STATUSES or transient
        return MessengerError(
            self._scrub(f"Send API answered {status}: {detail}"), retryable=retryable
        )

    def _scrub(self, text: str) -> str:
        """Never let the page token (part of the URL) reach logs or API answers."""
        for secret in self._params().values():
            text = text.replace(secret, "***")
        return text
