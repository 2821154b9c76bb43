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


_LEADING_REPLY = re.compile(
    r"\s*(?:no|nope|nah|yes|yeah|yep|sure|ok(?:ay)?|thank you|thanks?"
    r"|ei|eip[aä]|en|joo|juu|kyll[aä]|jep|kiitos"
    r"|nej|ja|jo|javisst|visst|tack)\b[\s,.!:;-]*"
)


def beyond_yes_or_no(text: str) -> str:
    """What a reply says after its leading yes or no: "no, how much is delivery?" -> "how much
    is delivery?"; "" for a bare "no thanks". Used to tell a new question from an answer to the
    bot's own yes/no question."""
    rest = text or ""
    if declines(rest):
        return ""
    lowered, start = rest.lower(), 0
    if len(lowered) == len(rest):  # (lower() can change a length: then no yes/no is stripped)
        while (match := _LEADING_REPLY.match(lowered, start)) and match.end() > start:
            start = match.end()  # "no thanks", "joo kiitos"
        rest = rest[start:]
    return "" if declines(rest) or not rest.strip(" ,.!?") else rest.strip()
