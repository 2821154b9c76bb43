"""Recognising a plain "no thanks" where a form asks for an email address or order details.

The intent classifier alone is not trusted here: a mistyped address ("aino at example") can come
back as ``deny``. These are detection rules in fi/sv/en, not texts shown to shoppers.
"""

from __future__ import annotations

import re

from bot.language import fold_diacritics

_DECLINE = re.compile(
    r"^\s*(?:/deny|/stop"
    r"|no|nope|nah|no thanks?|no thank you|not now|never ?mind|forget (?:it|about it)|skip(?: it)?"
    r"|ei|eipa|ei kiitos|ei tarvitse|ei tarvii|en halua|ei sittenkaan|antaa olla|unohda(?: se)?"
    r"|nej|nej tack|inte nu|behovs inte|glom det|strunta i det|lat bli)"
    r"\s*+[.!]*+\s*+$"  # possessive: a long run of spaces is not split every way
)


def declines(text: str) -> bool:
    """True for a short refusal: "no thanks", "ei kiitos", "nej tack", "/deny"."""
    return bool(_DECLINE.match(fold_diacritics((text or "").lower())))
