"""What every input channel does to a shopper's message before Rasa sees it.

Pure standard library (Rasa's Python 3.10 runs it; the library's tests import it):

- lone surrogates ("x\\ud800", valid JSON) become U+FFFD, so the tokenizers, the tracker store
  and the handoff service get text they can encode;
- control characters (NUL included) are removed, except line breaks and tabs;
- at most :data:`MAX_MESSAGE_CHARS` characters are kept (the rest is cut off);
- a leading "/" is kept only for a button payload of the bot's own buttons
  (:data:`bot.conversation.BUTTON_INTENTS`, "/intent" or "/intent{json object}"); any other is
  dropped, so "/help" is read as "help" and "/restart" cannot restart the conversation.
"""

from __future__ import annotations

import json
import re
import unicodedata

from bot.conversation import BUTTON_INTENTS

MAX_MESSAGE_CHARS = 4000
"""Characters of a message that are read. The embedding model reads ~512 tokens (about 2,000
characters) anyway; a longer message is almost always pasted text."""

_KEPT_CONTROLS = frozenset("\n\t")
_LEADING_SLASHES = re.compile(r"^[\s/]+")
_PAYLOAD = re.compile(r"/(?P<intent>\w+)(?P<entities>\{.*\})?", re.DOTALL)


def is_button_payload(text: str) -> bool:
    """Whether ``text`` is what one of the bot's buttons sends ('/rate{"rating":"up"}')."""
    match = _PAYLOAD.fullmatch(text.strip())
    if match is None or match["intent"] not in BUTTON_INTENTS:
        return False
    if match["entities"] is None:
        return True
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return False
    return isinstance(entities, dict)


def clean_text(raw: object) -> str:
    """``raw`` as valid text: surrogates replaced, control characters removed, not cut."""
    text = "" if raw is None else str(raw)
    # pairs written as two code points are joined, lone halves become U+FFFD
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")


def shopper_text(raw: object) -> str:
    """The message as Rasa should read it (see the module's docstring)."""
    text = clean_text(raw)[:MAX_MESSAGE_CHARS]
    if text.lstrip().startswith("/") and not is_button_payload(text):
        text = _LEADING_SLASHES.sub("", text)
    return text
