"""What the web chat widget receives: one ``bot_uttered`` payload per bot message.

Pure functions without Rasa imports, so they are unit-tested in the library's virtualenv; the
Rasa side is :mod:`channels.socketio`.

A payload is ``{"text", "quick_replies": [{"content_type", "title", "payload"}], "metadata",
"timestamp"}`` plus ``custom``/``attachment``/``image``/``elements`` when the message has them.
``metadata`` keeps only :data:`bot.conversation.METADATA_KEYS`:

- ``agent``: the agent the message is about; with ``from: "agent"`` the agent wrote it.
- ``handoff``: the conversation's handoff state after this message
  (:data:`bot.conversation.HandoffState`): ``queued``, ``overflow``, ``active``, ``offline``
  (asking for an email address), ``message_left`` (offline ticket saved) or ``none`` (the bot
  is in charge again).
- ``language``: the language the bot speaks in this conversation (fi, sv, en).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.conversation import CLIENT_ADDRESS, METADATA_KEYS

PASSED_THROUGH = ("custom", "attachment", "image", "elements")
HISTORY_LIMIT = 100


def widget_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One bot message as the widget's payload.

    Args:
        message: what Rasa hands to an output channel (``BotUttered.message()``): the text,
            the data (buttons, quick_replies, custom, ...), the timestamp and the event's
            metadata merged in at the top level.
    """
    payload: dict[str, Any] = {}
    text = message.get("text")
    if text:
        payload["text"] = str(text)
    replies = _quick_replies(message.get("quick_replies") or message.get("buttons") or [])
    if replies:
        payload["quick_replies"] = replies
    for key in PASSED_THROUGH:
        value = message.get(key)
        if value and not (key == "attachment" and value == message.get("image")):
            payload[key] = value
    payload["metadata"] = {
        key: str(message[key]) for key in METADATA_KEYS if message.get(key) not in (None, "")
    }
    stamp = message.get("timestamp")
    if isinstance(stamp, int | float):
        payload["timestamp"] = float(stamp)
    return payload


def shopper_metadata(metadata: Any, address: str | None) -> dict[str, Any]:
    """The metadata a shopper's message is handled with: what the client sent (a JSON object,
    also as a string), with :data:`~bot.conversation.CLIENT_ADDRESS` the address the channel
    saw, never the client's own claim."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {}
    result = dict(metadata) if isinstance(metadata, dict) else {}
    result.pop(CLIENT_ADDRESS, None)
    if address:
        result[CLIENT_ADDRESS] = address
    return result


def shows_something(payload: Mapping[str, Any]) -> bool:
    """Whether the payload has anything a shopper would see."""
    return any(payload.get(key) for key in ("text", "quick_replies", *PASSED_THROUGH))


def history(
    events: Iterable[Mapping[str, Any]], since: float, limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The bot messages of serialised tracker ``events`` sent after ``since`` (oldest first).

    A widget that lost its connection asks for these when it is back, so agent replies and bot
    answers sent meanwhile are not lost. At most the last ``limit`` messages.
    """
    found = []
    for event in events:
        stamp = event.get("timestamp")
        if event.get("event") != "bot" or not isinstance(stamp, int | float) or stamp <= since:
            continue
        message = {
            **(event.get("data") or {}),
            "text": event.get("text"),
            "timestamp": stamp,
            **(event.get("metadata") or {}),
        }
        payload = widget_message(message)
        if shows_something(payload):
            found.append(payload)
    return found[-limit:]


def _quick_replies(buttons: Any) -> list[dict[str, str]]:
    if not isinstance(buttons, list):
        return []
    return [
        {"content_type": "text", "title": str(b["title"]), "payload": str(b["payload"])}
        for b in buttons
        if isinstance(b, Mapping) and b.get("title") and b.get("payload")
    ]
