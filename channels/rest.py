"""Rasa's REST channel (``POST /webhooks/rest/webhook``) with the shopper's text cleaned.

Same name (``rest``), routes and answers as Rasa's; the message goes through
:func:`channels.shopper_text.shopper_text` first (valid text, at most
:data:`~channels.shopper_text.MAX_MESSAGE_CHARS` characters, no typed intents).
"""

from __future__ import annotations

from rasa.core.channels.rest import RestInput as StockRestInput
from sanic.request import Request

from channels.shopper_text import shopper_text


class RestInput(StockRestInput):
    """``channels.rest.RestInput`` in credentials.yml."""

    @classmethod
    def name(cls) -> str:
        """``rest``, as Rasa's own: the webhook stays ``/webhooks/rest/webhook``."""
        return "rest"

    def _extract_message(self, req: Request) -> str:
        return shopper_text(super()._extract_message(req))
