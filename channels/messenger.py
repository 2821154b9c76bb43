"""Facebook Messenger channel, configured from the environment (`MessengerInput`).

Rasa's own ``facebook`` channel reads its secrets from credentials.yml, and Rasa's ``${VAR}``
substitution there stops the server when a variable is unset, so a shop without Messenger could
not start. This channel reads them itself:

- ``FACEBOOK_VERIFY_TOKEN``: the token Meta sends when it verifies the webhook;
- ``FACEBOOK_APP_SECRET``: the app secret that signs every webhook (``X-Hub-Signature``);
- ``FACEBOOK_PAGE_ACCESS_TOKEN``: the page token used to send answers;
- ``FACEBOOK_GRAPH_URL`` (default ``https://graph.facebook.com``) and ``FACEBOOK_GRAPH_VERSION``
  (default ``v19.0``): where the Send API is (tests point it at a local receiver); read by
  ``handoff.messenger.graph_api_from_env``, as for the handoff service's agent messages.

Without them the webhook ``/webhooks/facebook/webhook`` still exists but answers 503 with what
to set. Differences from Rasa's channel (same name ``facebook``, same routes):

- wrong verify tokens (GET) and missing or wrong signatures (POST) get 403, not 200;
- signatures are compared in constant time, and ``X-Hub-Signature-256`` is checked too when
  Meta sends it;
- the bot's buttons become quick replies (``handoff.messenger.quick_reply_message``, shared
  with the handoff service's agent messages), not a button template limited to 3 buttons;
- every Graph API call has a timeout, failures are logged instead of breaking the turn;
- every messaging event of a batched webhook is handled, not only the first.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import requests
from fbmessenger import MessengerClient
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
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
REQUIRED = ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN")


class GraphClient(MessengerClient):
    """fbmessenger's client with a configurable Graph URL and a timeout on every call.

    Errors are logged, never raised: a failed send must not abort the conversation turn
    (Rasa would not save the tracker).
    """

    def __init__(
        self,
        page_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
        graph_version: str = DEFAULT_GRAPH_VERSION,
        app_secret: str | None = None,
        timeout: float = GRAPH_TIMEOUT,
    ) -> None:
        super().__init__(page_access_token, app_secret=app_secret)
        self.graph_url = f"{graph_url.rstrip('/')}/{graph_version}"
        self.timeout = timeout

    def send(  # type: ignore[override]
        self,
        payload: Any,
        recipient_id: str,
        messaging_type: str = "RESPONSE",
        notification_type: str = "REGULAR",
        timeout: float | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        """Send a message; returns the Graph API's answer (``{}`` when it failed)."""
        return self._checked(
            "message",
            lambda: super(GraphClient, self).send(
                payload,
                recipient_id,
                messaging_type,
                notification_type,
                timeout=timeout or self.timeout,
                tag=tag,
            ),
        )

    def send_action(  # type: ignore[override]
        self, sender_action: Any, recipient_id: str, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a sender action (typing, seen); returns the answer (``{}`` when it failed)."""
        return self._checked(
            "sender action",
            lambda: super(GraphClient, self).send_action(
                sender_action, recipient_id, timeout=timeout or self.timeout
            ),
        )

    def _checked(self, what: str, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            answer = call()
        except (requests.RequestException, ValueError) as exc:
            text = str(exc).replace(self.page_access_token, "***")
            logger.warning("Messenger: sending a %s failed: %s", what, text)
            return {}
        if isinstance(answer, dict) and answer.get("error"):
            logger.warning("Messenger: the Send API refused a %s: %s", what, answer["error"])
            return {}
        return dict(answer) if isinstance(answer, dict) else {}


class QuickReplyMessengerBot(MessengerBot):
    """Rasa's Messenger output with the bot's buttons as quick replies."""

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Buttons (clarification choices, yes/no, talk to a person) as quick replies."""
        self.messenger_client.send(quick_reply_message(text, buttons), recipient_id, "RESPONSE")

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies, with titles Messenger can show."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)


class MessengerEvents(Messenger):
    """Parses webhook events (Rasa's parsing) and answers through :class:`GraphClient`."""

    def __init__(
        self, client: GraphClient, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        self.on_new_message = on_new_message
        self.client = client
        self.last_message: dict[str, Any] = {}

    async def handle(self, payload: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """Handle every messaging event of the webhook (Meta may batch several)."""
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:
                self.last_message = event
                message = event.get("message")
                if message and not message.get("is_echo"):
                    await self.message(event, metadata)
                elif event.get("postback"):
                    await self.postback(event, metadata)

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: dict[str, Any] | None
    ) -> None:
        """Pass the text (or quick-reply payload) on to Rasa; answers go out as they come."""
        out_channel = QuickReplyMessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        user_message = UserMessage(
            shopper_text(text), out_channel, sender_id, input_channel=self.name(), metadata=metadata
        )
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(user_message)
        except Exception:  # one broken turn must not make Meta redeliver the webhook forever
            logger.exception("Messenger: handling a message from %s failed", sender_id)
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


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
        )

    def __init__(
        self,
        fb_verify: str,
        fb_secret: str,
        fb_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
        graph_version: str = DEFAULT_GRAPH_VERSION,
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url
        self.graph_version = graph_version
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
        """A Send API client for the configured page."""
        return GraphClient(
            self.fb_access_token,
            graph_url=self.graph_url,
            graph_version=self.graph_version,
            app_secret=self.fb_secret or None,
        )

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
            events = MessengerEvents(self.client(), on_new_message)
            await events.handle(payload, self.get_metadata(request))
            return response.text("success")

        return webhook_bp

    def get_output_channel(self) -> OutputChannel | None:
        """Messenger output for messages sent outside a webhook (``output_channel=latest``)."""
        return QuickReplyMessengerBot(self.client()) if self.configured else None
