"""A long conversation costs Rasa as much per turn as a short one.

Rasa 3.6 works on the whole current session every turn: the SQL tracker store reads and
deserialises all its events, the rule policy replays them to find the states, and every custom
action call ships them to the action server and back. A 50-message conversation took over three
times as long per turn as a 5-message one (docs/performance.md).

:func:`install` starts a new Rasa session (``action_session_start``, with the slots carried
over, as ``session_config.carry_over_slots_to_new_session`` does after the 60-minute expiry)
once the current session holds more than :data:`MAX_SESSION_EVENTS` events
(``FAQBOT_SESSION_MAX_EVENTS``, 0 turns it off), and only at a quiet moment: no form active,
the conversation not paused for an agent, the bot listening. Every earlier event stays in the
tracker store (the HTTP API's tracker, the event broker and the agent's transcript have them all);
the slots carry the conversation's state. It also carries each slot's *last* value once, where
Rasa's ``action_session_start`` copies every ``SlotSet`` of the old session, so a new session's
first events would grow with the conversation. ``channels.server`` installs it.

It also keeps a conversation paused for a person (queued or with an agent) in its session, however
long the shopper waits: Rasa would start a new session after ``session_expiration_time`` (60
minutes) without a shopper message, and a new session forgets the pause, so the bot would answer
again while the shopper waits for a person. A paused session never expires; once the agent hands
back, the expiry counts as usual.
"""

from __future__ import annotations

import functools
import os
from typing import Any

_INSTALLED = "_faqbot_long_conversations"
MAX_SESSION_EVENTS = int(os.environ.get("FAQBOT_SESSION_MAX_EVENTS", "100"))
"""Events in a session after which the next message starts a new one (about ten turns)."""


def is_long_and_quiet(tracker: Any, limit: int = MAX_SESSION_EVENTS) -> bool:
    """Whether ``tracker``'s session is over ``limit`` events at a moment it can start anew."""
    return (
        limit > 0
        and len(tracker.events) > limit
        and tracker.active_loop_name is None
        and not tracker.is_paused()
        and tracker.latest_action_name == "action_listen"
    )


def last_slot_values(slot_events: list[Any]) -> list[Any]:
    """``SlotSet`` events reduced to each slot's last one, in the order of those last ones."""
    last: dict[str, Any] = {}
    for event in slot_events:
        last.pop(event.key, None)
        last[event.key] = event
    return list(last.values())


def install() -> None:
    """Patch Rasa's session start and expiry check (idempotent): paused sessions never expire,
    long quiet ones do."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor._has_session_expired, _INSTALLED, False):
        return
    expired = MessageProcessor._has_session_expired
    carried = ActionSessionStart._slot_set_events_from_tracker

    @functools.wraps(expired)
    def _has_session_expired(self: Any, tracker: Any) -> bool:
        if tracker.is_paused():  # waiting for or talking with a person: keep the pause
            return False
        return bool(expired(self, tracker)) or is_long_and_quiet(tracker)

    @functools.wraps(carried)
    def _slot_set_events_from_tracker(tracker: Any) -> list[Any]:
        return last_slot_values(list(carried(tracker)))

    setattr(_has_session_expired, _INSTALLED, True)
    MessageProcessor._has_session_expired = _has_session_expired  # type: ignore[method-assign]
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(  # type: ignore[method-assign]
        _slot_set_events_from_tracker
    )
