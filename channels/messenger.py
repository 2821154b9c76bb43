"""Facebook Messenger channel, configured from the environment (`MessengerInput`).

Rasa's own ``facebook`` channel reads its secrets from credentials.yml, and Rasa's ``${VAR}``
substitution there stops the server when a variable is unset, so a shop without Messenger could
not start. This channel reads them itself:

- ``FACEBOOK_VERIFY_TOKEN``: the token Meta sends when it verifies the webhook;
- ``FACEBOOK_APP_SECRET``: the app secret that signs every webhook (``X-Hub-Signature``);
- ``FACEBOOK_PAGE_ACCESS_TOKEN``: the page token used to send answers;
- ``FACEBOOK_GRAPH_URL`` (default ``https://graph.facebook.com``) and ``FACEBOOK_GRAPH_VERSION``
  (default ``v19.0``): where the Send API is (tests point it at a local receiver); read by
  ``handoff.messenger.graph_api_from_env``, as for the handoff service's agent messages;
- ``FACEBOOK_GRAPH_TIMEOUT`` (default 10): seconds per Send API call of the bot.

Without them the webhook ``/webhooks/facebook/webhook`` still exists but answers 503 with what
to set. Differences from Rasa's channel (same name ``facebook``, same routes):

- wrong verify tokens (GET) and missing or wrong signatures (POST) get 403, not 200;
- signatures are compared in constant time, and ``X-Hub-Signature-256`` is checked too when
  Meta sends it;
- the bot's buttons become quick replies (``handoff.messenger.quick_reply_message``, shared
  with the handoff service's agent messages), not a button template limited to 3 buttons;
- every Graph API call is asynchronous (aiohttp) with a timeout, so a slow Graph API delays
  no other conversation; failures are logged instead of breaking the turn;
- every messaging event of a batched webhook is handled, not only the first, and each only
  once: a webhook Meta delivers again (same ``mid``) is answered 200 and skipped
  (:class:`SeenEvents`, in-process; :class:`RedisSeenEvents`, shared by every Rasa server,
  when ``FAQBOT_REDIS_URL`` is set, as the scale-out mode does); the ``mid`` becomes the user
  event's ``message_id``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.shopper_text import shopper_text
from handoff.messenger import (
    DEFAULT_GRAPH_URL,
    DEFAULT_GRAPH_VERSION,
    graph_api_from_env,
    quick_reply_message,
)

logger = logging.getLogger(__name__)

GRAPH_TIMEOUT = 10.0  # seconds per Graph API call
SEEN_TTL = 24 * 3600.0  # seconds a handled event's id is remembered (Meta retries for hours)
SEEN_LIMIT = 50_000  # ids remembered at most (about 10 MB); the oldest are forgotten first
REQUIRED = ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN")


class GraphClient:
    """An async Send API client: a slow Graph API never holds up Rasa's event loop.

    Every call has a timeout (``timeout`` seconds in all) and is tried once, as before; errors
    are logged, never raised: a failed send must not abort the conversation turn (Rasa would
    not save the tracker). The HTTP session is created on first use in the running event loop
    and closed by :meth:`close` (the channel does it when the server stops).
    """

    def __init__(
        self,
        page_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
        graph_version: str = DEFAULT_GRAPH_VERSION,
        app_secret: str | None = None,
        timeout: float = GRAPH_TIMEOUT,
    ) -> None:
        self.page_access_token = page_access_token
        self.graph_url = f"{graph_url.rstrip('/')}/{graph_version}"
        self.timeout = timeout
        self.params = {"access_token": page_access_token}
        if app_secret:  # what pages with "Require App Secret" need
            self.params["appsecret_proof"] = hmac.new(
                app_secret.encode(), page_access_token.encode(), hashlib.sha256
            ).hexdigest()
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(
        self,
        payload: Any,
        recipient_id: str,
        messaging_type: str = "RESPONSE",
        notification_type: str = "REGULAR",
        tag: str | None = None,
    ) -> dict[str, Any]:
        """Send a message; returns the Graph API's answer (``{}`` when it failed)."""
        body: dict[str, Any] = {
            "messaging_type": messaging_type,
            "notification_type": notification_type,
            "recipient": {"id": recipient_id},
            "message": payload,
        }
        if tag:
            body["tag"] = tag
        return await self._post("message", body)

    async def send_action(self, sender_action: str, recipient_id: str) -> dict[str, Any]:
        """Send a sender action (typing, seen); returns the answer (``{}`` when it failed)."""
        body = {"recipient": {"id": recipient_id}, "sender_action": sender_action}
        return await self._post("sender action", body)

    async def close(self) -> None:
        """Close the HTTP session (its connections)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._loop = loop
        return self._session

    async def _post(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._http().post(
                f"{self.graph_url}/me/messages", params=self.params, json=body
            ) as answer:
                result = await answer.json(content_type=None)
        except asyncio.TimeoutError:
            logger.warning("Messenger: sending a %s failed: no answer in %g s", what, self.timeout)
            return {}
        except (aiohttp.ClientError, ValueError) as exc:
            text = (str(exc) or type(exc).__name__).replace(self.page_access_token, "***")
            logger.warning("Messenger: sending a %s failed: %s", what, text)
            return {}
        if isinstance(result, dict) and result.get("error"):
            logger.warning("Messenger: the Send API refused a %s: %s", what, result["error"])
            return {}
        return dict(result) if isinstance(result, dict) else {}


class QuickReplyMessengerBot(OutputChannel):
    """Rasa's Messenger output (``MessengerBot``), awaiting :class:`GraphClient`, with the bot's
    buttons as quick replies."""

    @classmethod
    def name(cls) -> str:
        """The channel's name, as Rasa's."""
        return "facebook"

    def __init__(self, messenger_client: GraphClient) -> None:
        super().__init__()
        self.messenger_client = messenger_client

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Text, one Messenger message per paragraph (as Rasa's channel)."""
        for part in text.strip().split("\n\n"):
            await self.messenger_client.send({"text": part}, recipient_id, "RESPONSE")

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """An image by its URL."""
        payload = {"attachment": {"type": "image", "payload": {"url": image}}}
        await self.messenger_client.send(payload, recipient_id, "RESPONSE")

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        """A sender action (``typing_on``, ``mark_seen`` ...)."""
        await self.messenger_client.send_action(sender_action, recipient_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Buttons (clarification choices, yes/no, talk to a person) as quick replies."""
        await self.messenger_client.send(
            quick_reply_message(text, buttons), recipient_id, "RESPONSE"
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies, with titles Messenger can show."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        """A generic template (as Rasa's channel)."""
        elements = list(elements)
        for element in elements:
            for button in element.get("buttons") or []:
                button.setdefault("type", "postback")
        payload = {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": elements},
            }
        }
        await self.messenger_client.send(payload, recipient_id, "RESPONSE")

    async def send_custom_json(
        self, recipient_id: str, json_message: list[Any] | dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload, sent as it is (a ``sender.id`` in it picks the recipient)."""
        messages = json_message if isinstance(json_message, list) else [json_message]
        for message in messages:
            if isinstance(message, dict) and "sender" in message:
                recipient_id = message.pop("sender", {}).pop("id", recipient_id)
                break
        await self.messenger_client.send(json_message, recipient_id, "RESPONSE")


class SeenEvents:
    """Ids of the webhook events handled lately (bounded, expiring), to skip Meta's retries.

    Meta delivers a webhook again when it got no 200 in time (e.g. while the first delivery
    is still being handled). In-process: one Rasa server; see docs/messenger.md for several.
    """

    def __init__(self, ttl: float = SEEN_TTL, limit: int = SEEN_LIMIT) -> None:
        self.ttl = ttl
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float | None = None) -> bool:
        """Whether ``key`` is new (then it is remembered); ``False`` for a repeat."""
        now = time.monotonic() if now is None else now
        while self._seen:  # forget what expired, oldest first
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.ttl and len(self._seen) < self.limit:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    async def first_delivery(self, key: str) -> bool:
        """:meth:`first_time`, as :class:`RedisSeenEvents` asks it."""
        return self.first_time(key)


class RedisSeenEvents:
    """:class:`SeenEvents` shared by several Rasa servers: ``SET key 1 NX EX ttl`` in Redis.

    A repeat that reaches another server behind the load balancer is skipped too. When Redis
    does not answer, the event is handled (and a warning logged): a shopper's message is never
    dropped for it, at the risk of answering a repeat twice.
    """

    PREFIX = "faqbot:messenger:seen:"

    def __init__(self, url: str, ttl: float = SEEN_TTL, timeout: float = 2.0) -> None:
        from redis import asyncio as redis_asyncio  # Rasa's own dependency

        self.ttl = ttl
        self._redis = redis_asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    async def first_delivery(self, key: str) -> bool:
        """Whether ``key`` is new to every server (then it is remembered for ``ttl``)."""
        from redis.exceptions import RedisError

        try:
            stored = await self._redis.set(self.PREFIX + key, 1, nx=True, ex=int(self.ttl))
        except (RedisError, OSError) as exc:
            logger.warning("Messenger: Redis did not answer (%s); handling %s anyway", exc, key)
            return True
        return bool(stored)


def seen_events_from_env() -> SeenEvents | RedisSeenEvents:
    """Shared ids in Redis when ``FAQBOT_REDIS_URL`` is set, else this process's memory."""
    url = os.environ.get("FAQBOT_REDIS_URL", "").strip()
    return RedisSeenEvents(url) if url else SeenEvents()


def event_id(event: dict[str, Any]) -> str | None:
    """What identifies a messaging event across Meta's retries.

    Messages (quick-reply taps too) carry ``message.mid``, postbacks ``postback.mid``; for an
    event without one, the sender, the kind and Meta's timestamp (milliseconds).
    """
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict):
            if part.get("mid"):
                return f"mid:{part['mid']}"
            sender = (event.get("sender") or {}).get("id")
            if sender and event.get("timestamp"):
                return f"{kind}:{sender}:{event['timestamp']}"
    return None


class MessengerEvents(Messenger):
    """Parses webhook events (Rasa's parsing) and answers through :class:`GraphClient`."""

    def __init__(
        self,
        client: GraphClient,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        seen: SeenEvents | RedisSeenEvents | None = None,
    ) -> None:
        self.on_new_message = on_new_message
        self.client = client  # type: ignore[assignment]
        self.seen = seen if seen is not None else SeenEvents()
        self.last_message: dict[str, Any] = {}

    async def handle(self, payload: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """Handle every messaging event of the webhook (Meta may batch several), each once."""
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:
                message = event.get("message")
                if message and not message.get("is_echo"):
                    handler = self.message
                elif event.get("postback"):
                    handler = self.postback
                else:
                    continue
                key = event_id(event)
                if key is not None and not await self.seen.first_delivery(key):
                    logger.info("Messenger: skipped a repeated delivery of %s", key)
                    continue
                self.last_message = event
                await handler(event, metadata)

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: dict[str, Any] | None
    ) -> None:
        """Pass the text (or quick-reply payload) on to Rasa; answers go out as they come."""
        out_channel = QuickReplyMessengerBot(self.client)  # type: ignore[arg-type]
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        event = self.last_message
        mid = (event.get("message") or event.get("postback") or {}).get("mid")
        user_message = UserMessage(
            shopper_text(text),
            out_channel,
            sender_id,
            input_channel=self.name(),
            message_id=str(mid) if mid else None,  # the tracker's user event keeps Meta's id
            metadata=metadata,
        )
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(user_message)
        except Exception:  # one broken turn must not make Meta redeliver the webhook forever
            logger.exception("Messenger: handling a message from %s failed", sender_id)
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


def graph_timeout_from_env() -> float:
    """``FACEBOOK_GRAPH_TIMEOUT`` (seconds per Graph API call), or :data:`GRAPH_TIMEOUT`."""
    value = os.environ.get("FACEBOOK_GRAPH_TIMEOUT", "").strip()
    if not value:
        return GRAPH_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 300:
        logger.warning(
            "Messenger: FACEBOOK_GRAPH_TIMEOUT=%r is not a number of seconds between 0 and 300; "
            "using %.0f",
            value,
            GRAPH_TIMEOUT,
        )
        return GRAPH_TIMEOUT
    return seconds


class MessengerInput(FacebookInput):
    """Rasa's ``facebook`` channel with its settings from ``FACEBOOK_*`` environment variables."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Ignore credentials.yml (an empty section): everything comes from the environment."""
        if credentials:
            logger.warning(
                "Messenger: the settings under channels.messenger.MessengerInput in "
                "credentials.yml are ignored; set the FACEBOOK_* environment variables instead"
            )
        graph_url, graph_version = graph_api_from_env()
        return cls(
            os.environ.get("FACEBOOK_VERIFY_TOKEN", ""),
            os.environ.get("FACEBOOK_APP_SECRET", ""),
            os.environ.get("FACEBOOK_PAGE_ACCESS_TOKEN", ""),
            graph_url=graph_url,
            graph_version=graph_version,
            graph_timeout=graph_timeout_from_env(),
        )

    def __init__(
        self,
        fb_verify: str,
        fb_secret: str,
        fb_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
        graph_version: str = DEFAULT_GRAPH_VERSION,
        graph_timeout: float = GRAPH_TIMEOUT,
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url
        self.graph_version = graph_version
        self.graph_timeout = graph_timeout
        self.seen = seen_events_from_env()
        self._client: GraphClient | None = None
        values = dict(zip(REQUIRED, (fb_verify, fb_secret, fb_access_token), strict=True))
        self.missing = [name for name, value in values.items() if not value]
        if len(self.missing) == len(REQUIRED):
            logger.info("Messenger is off: %s", self.not_configured_message())
        elif self.missing:
            logger.warning("Messenger is half configured: %s", self.not_configured_message())

    @property
    def configured(self) -> bool:
        """Whether all three secrets are set."""
        return not self.missing

    def not_configured_message(self) -> str:
        """What to do so the webhook works."""
        return (
            f"Messenger is not configured: set {', '.join(self.missing)} "
            "(see docs/messenger.md) and restart the Rasa server"
        )

    def client(self) -> GraphClient:
        """The Send API client for the configured page (one, so its connections are reused)."""
        if self._client is None:
            self._client = GraphClient(
                self.fb_access_token,
                graph_url=self.graph_url,
                graph_version=self.graph_version,
                app_secret=self.fb_secret or None,
                timeout=self.graph_timeout,
            )
        return self._client

    def signed(self, body: bytes, headers: Any) -> bool:
        """Whether the body carries a valid ``X-Hub-Signature`` (sha1, always sent by Meta) and,
        when present, a valid ``X-Hub-Signature-256``."""
        checks = (
            ("X-Hub-Signature", "sha1", hashlib.sha1, True),
            ("X-Hub-Signature-256", "sha256", hashlib.sha256, False),
        )
        for header, method, digest, required in checks:
            given = headers.get(header) or ""
            if not given:
                if required:
                    return False
                continue
            expected = f"{method}=" + hmac.new(self.fb_secret.encode(), body, digest).hexdigest()
            if not hmac.compare_digest(expected.encode(), given.strip().encode()):
                return False
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /`` health, ``GET /webhook`` verification, ``POST /webhook`` messages."""
        webhook_bp = Blueprint("faqbot_messenger", __name__)

        @webhook_bp.listener("after_server_stop")
        async def close_client(*_args: Any) -> None:
            if self._client is not None:
                await self._client.close()

        def not_configured() -> HTTPResponse:
            return response.text(self.not_configured_message(), status=503)

        @webhook_bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.configured})

        @webhook_bp.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if not self.configured:
                return not_configured()
            given = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                given.encode(), self.fb_verify.encode()
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning(
                "Messenger: webhook verification with a wrong token; it must equal "
                "FACEBOOK_VERIFY_TOKEN"
            )
            return response.text("wrong verify token", status=403)

        @webhook_bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return not_configured()
            if not self.signed(request.body, request.headers):
                logger.warning(
                    "Messenger: rejected a webhook with a missing or wrong X-Hub-Signature; "
                    "FACEBOOK_APP_SECRET must be the app's secret"
                )
                return response.text("missing or wrong signature", status=403)
            try:
                payload = request.json
            except Exception:  # sanic raises its own error for a malformed body
                payload = None
            if not isinstance(payload, dict):
                return response.text("the body must be a JSON object", status=400)
            if payload.get("object") != "page":
                return response.text("ignored: not a page event")
            events = MessengerEvents(self.client(), on_new_message, self.seen)
            await events.handle(payload, self.get_metadata(request))
            return response.text("success")

        return webhook_bp

    def get_output_channel(self) -> OutputChannel | None:
        """Messenger output for messages sent outside a webhook (``output_channel=latest``)."""
        return QuickReplyMessengerBot(self.client()) if self.configured else None
