"""Shopper-facing texts come from domain.yml's responses, picked for the conversation language.

Actions render responses themselves (instead of ``response=...``) because Rasa renders a custom
action's responses with the tracker as it was *before* the action's own slot events, so a
language decided in the same action would not apply yet.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import META_HANDOFF, META_LANGUAGE, HandoffState
from bot.responses import fill, pick_variation


def variation(domain: dict[str, Any], name: str, lang: str) -> dict[str, Any]:
    """The variation of response ``name`` for ``lang`` (the unconditioned one as default)."""
    return pick_variation(domain.get("responses", {}), name, lang)


def text(domain: dict[str, Any], name: str, lang: str, **values: object) -> str:
    """Just the text of a response, with ``{name}`` placeholders filled from ``values``."""
    return fill(str(variation(domain, name, lang).get("text", "")), values)


def say(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    name: str,
    lang: str,
    buttons: list[dict[str, str]] | None = None,
    handoff: HandoffState | None = None,
    **values: object,
) -> None:
    """Send response ``name`` in ``lang`` (placeholders filled), extra buttons after its own.

    The message's metadata says its ``language`` and, when given, the ``handoff`` state after
    it (queued, overflow, active, offline, message_left, none), which the web widget shows.
    """
    chosen = variation(domain, name, lang)
    all_buttons = [*chosen.get("buttons", []), *(buttons or [])]
    message = fill(str(chosen.get("text", "")), values)
    dispatcher.utter_message(text=message, buttons=all_buttons or None, **metadata(lang, handoff))


def metadata(lang: str, handoff: HandoffState | None = None) -> dict[str, str]:
    """Extra keys of a bot message: Rasa keeps them as the message's metadata, and channels
    that do not know them ignore them (unlike ``custom`` payloads, which some channels send
    on as they are)."""
    extra = {META_LANGUAGE: lang}
    if handoff:
        extra[META_HANDOFF] = handoff
    return extra
