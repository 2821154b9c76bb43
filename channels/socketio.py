"""The socket.io channel of the web chat widget and the local chat page.

Rasa's stock ``socketio`` channel splits a message into several ``bot_uttered`` events and
drops the message's metadata, so an agent's reply looks like the bot's and the widget cannot
tell the handoff state. This one (``channels.socketio.SocketIOInput`` in credentials.yml, same
settings as the stock channel) emits every bot message as ONE ``bot_uttered`` event built by
:func:`channels.messages.widget_message` (text, quick replies, custom payload, metadata,
timestamp), and answers ``history_request {session_id, since}`` with the bot messages the
widget missed while it was disconnected (``history {session_id, messages, handoff}``).

Its name stays ``socketio``, so tickets, ``output_channel=latest`` and existing clients keep
working unchanged.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.channel
import rasa.shared.utils.io
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as StockSocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.conversation import HANDOFF_NONE, SLOT_HANDOFF
from channels.messages import history, shopper_metadata, shows_something, widget_message
from channels.shopper_text import shopper_text

logger = logging.getLogger(__name__)


def client_manager() -> AsyncRedisManager | None:
    """Several Rasa servers (README "Scale-out mode"): an agent's reply can reach a server
    other than the one that holds the shopper's socket, so FAQBOT_SOCKETIO_REDIS_URL makes
    every emit go through Redis pub/sub to whichever server holds it."""
    url = os.environ.get("FAQBOT_SOCKETIO_REDIS_URL")
    return AsyncRedisManager(url) if url else None


class WidgetOutput(SocketIOOutput):
    """Sends each bot message as one ``bot_uttered`` event, metadata included."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send a message to the client."""
        payload = widget_message(message)
        if shows_something(payload):
            await self._send_message(recipient_id, payload)


class SocketIOInput(StockSocketIOInput):
    """Rasa's socket.io input channel with :class:`WidgetOutput` and history requests."""

    _app: Sanic | None = None

    def get_output_channel(self) -> OutputChannel | None:
        """The output channel for messages sent outside a request (agent replies)."""
        if self.sio is None:
            return super().get_output_channel()
        return WidgetOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The stock channel's routes and events, with this channel's output."""
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=[], client_manager=client_manager()
        )
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @socketio_webhook.listener("after_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self._app = app

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        addresses: dict[str, str] = {}  # socket id → the client's address

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            addresses[sid] = client_address(environ)
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token")
            payload = None
            if token:
                payload = rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                )
            return bool(payload)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            addresses.pop(sid, None)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, data["session_id"], namespace=namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=namespace)

        @sio.on("history_request", namespace=namespace)
        async def history_request(sid: str, data: dict[str, Any] | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            # only a socket that joined the conversation's room may read it
            if not (self.session_persistence and isinstance(session_id, str) and session_id):
                return
            if session_id not in sio.rooms(sid, namespace=namespace):
                return
            try:
                since = float(data.get("since") or 0)
            except (TypeError, ValueError):
                since = 0.0
            agent = getattr(self._app.ctx, "agent", None) if self._app else None
            tracker = None
            if agent is not None and agent.tracker_store is not None:
                tracker = await agent.tracker_store.retrieve(session_id)
            events = [event.as_dict() for event in tracker.events] if tracker else []
            handoff = tracker.get_slot(SLOT_HANDOFF) if tracker else None
            await sio.emit(
                "history",
                {
                    "session_id": session_id,
                    "messages": history(events, since),
                    "handoff": handoff or HANDOFF_NONE,
                },
                room=sid,
                namespace=namespace,
            )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            data = data if isinstance(data, dict) else {}
            output_channel = WidgetOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                if not data.get("session_id"):
                    rasa.shared.utils.io.raise_warning(
                        "A message without a valid session_id was received and ignored; "
                        "set one with the `session_request` socket.io event."
                    )
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = shopper_metadata(data.get(self.metadata_key), addresses.get(sid))
            message = UserMessage(
                shopper_text(data.get("message")),
                output_channel,
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await on_new_message(message)

        return socketio_webhook


def client_address(environ: dict[str, Any]) -> str:
    """The client's address: Sanic's ``remote_addr`` (from the proxy headers its config trusts,
    see ``FORWARDED_SECRET``, ``REAL_IP_HEADER``, ``PROXIES_COUNT``), else the peer's IP.

    engine.io's Sanic driver always puts 127.0.0.1 into ``REMOTE_ADDR``, so the request is read.
    """
    request = environ.get("sanic.request")
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "")
