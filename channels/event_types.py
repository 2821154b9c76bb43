"""Rasa finds an event's class by its type name once per name, not once per event.

Rasa 3.6's ``Event.resolve_by_type`` walks every subclass of ``Event`` (``all_subclasses``, with
an ``inspect.isabstract`` check each) for every event it deserialises: a tracker store read, every
action server response. That was about 15% of Rasa's CPU in a long conversation
(docs/performance.md "Long conversations"). :func:`install` (fits Rasa 3.6.21; ``channels.server``
calls it) keeps the class found for each type name; a name Rasa does not find (its ``default``,
or its error) is asked of Rasa again every time, as before.
"""

from __future__ import annotations

from typing import Any

_INSTALLED = "_faqbot_event_types"


def install() -> None:
    """Patch Rasa's ``Event.resolve_by_type`` (idempotent)."""
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, _INSTALLED, False):
        return
    original = Event.resolve_by_type
    classes: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = classes.get(type_name)
        if found is None:
            found = original(type_name, default)
            if found is not None and found is not default:
                classes[type_name] = found
        return found

    setattr(resolve_by_type, _INSTALLED, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
