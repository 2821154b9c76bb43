"""When the action server cannot run an action, Rasa tells the shopper how to reach us.

Rasa 3.6's ``RemoteAction.run`` raises ``RasaException`` when the action server is unreachable
or answers with an error (``ClientConnectionError``, a non-400 ``ClientResponseError``, any other
``aiohttp.ClientError``); ``MessageProcessor._run_action`` logs "Encountered an exception while
running action" and carries on without a bot message, so the shopper's turn gets no reply at all.

:func:`install` wraps ``RemoteAction.run`` (forms' ``validate_*`` calls go through it too): on
any failure other than ``ActionExecutionRejection`` (a validation rejecting, which Rasa handles
itself) it returns the events of the domain response ``utter_actions_down``: the phone number
and e-mail address, in the conversation's language (all three when the language is not known
yet). The action is logged on the tracker with that message, as a response action would be;
the failed action's own events are lost, as in plain Rasa. A turn says it once, however many
of its actions fail. ``channels.server`` installs it before Rasa starts.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

logger = logging.getLogger(__name__)

RESPONSE = "utter_actions_down"
"""The domain response said instead of a failed custom action."""

_INSTALLED = "_faqbot_actions_down"


def already_said(events: Any) -> bool:
    """Whether :data:`RESPONSE` was already said since the shopper's last message."""
    for event in reversed(list(events)):
        if getattr(event, "type_name", None) == "user":
            return False
        metadata = getattr(event, "metadata", None) or {}
        if getattr(event, "type_name", None) == "bot" and metadata.get("utter_action") == RESPONSE:
            return True
    return False


def install() -> None:
    """Patch Rasa's ``RemoteAction.run`` (idempotent)."""
    from rasa.core.actions.action import (
        ActionBotResponse,
        ActionExecutionRejection,
        RemoteAction,
    )

    original = RemoteAction.run
    if getattr(original, _INSTALLED, False):
        return

    @functools.wraps(original)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        try:
            return list(await original(self, output_channel, nlg, tracker, domain))
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            logger.error("custom action %r failed (%s): saying %s", self.name(), exc, RESPONSE)
            if already_said(tracker.events):
                return []
            reply = ActionBotResponse(RESPONSE)
            return list(await reply.run(output_channel, nlg, tracker, domain))

    setattr(run, _INSTALLED, True)
    RemoteAction.run = run  # type: ignore[method-assign]
