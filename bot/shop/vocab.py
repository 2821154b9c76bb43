"""Words shared by product search and query parsing: tokens, Finnish endings, colour names.

Colours are identified by a canonical English id ("black", "blue", ...), which is also what
``data/shop/products.yml`` writes as a variant's ``colour``. Any other colour value still works:
it is shown as written and matched when a message contains it literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language import fold_diacritics
from bot.shop.models import Variant

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)?")


def tokens(text: str) -> list[str]:
    """Folded word and number tokens; letters and digits split: "vaellus45" -> vaellus, 45.

    A decimal number stays one token: "0,75 l" -> "0,75", "l".
    """
    return _TOKEN.findall(fold_diacritics(text.lower()))


# Finnish clitics and case/plural endings, longest first, folded (no ä/ö). Stripping them gives
# the rough stem shoppers' inflected forms share with the base form ("reppua" -> "reppu").
_CLITICS = ("kaan", "kin", "han", "ko", "pa")
_FI_ENDINGS = tuple(
    sorted(
        {
            "issa",
            "ista",
            "illa",
            "ilta",
            "ille",
            "iin",
            "ineen",
            "ihin",
            "ina",
            "iksi",
            "ssa",
            "sta",
            "lla",
            "lta",
            "lle",
            "ksi",
            "na",
            "ta",
            "a",
            "n",
            "t",
            "seen",
            "ja",
            "ia",
            "ita",
            "eita",
            "eja",
            "en",
            "in",
            "ien",
            "jen",
            "ine",
            "ni",
            "si",
            "mme",
            "nne",
            "nsa",
            "an",
            "un",
            "on",
            "yn",
        },
        key=len,
        reverse=True,
    )
)
_SV_EN_ENDINGS = (
    "arna",
    "erna",
    "orna",
    "arne",
    "ens",
    "ets",
    "ar",
    "er",
    "or",
    "en",
    "et",
    "na",
    "es",
    "s",
)


def stems(token: str) -> list[str]:
    """``token`` and the forms left after stripping a clitic and up to two endings."""
    found = [token]
    base = token
    for clitic in _CLITICS:
        if base.endswith(clitic) and len(base) - len(clitic) >= 4:
            base = base[: -len(clitic)]
            found.append(base)
            break
    frontier = [base]
    for _ in range(2):
        next_frontier = []
        for word in frontier:
            for ending in (*_FI_ENDINGS, *_SV_EN_ENDINGS):
                if word.endswith(ending) and len(word) - len(ending) >= 3:
                    stem = word[: -len(ending)]
                    if stem not in found:
                        found.append(stem)
                        next_frontier.append(stem)
        frontier = next_frontier
    return found


@dataclass(frozen=True)
class Colour:
    """A colour: display names per language and the word forms that mean it."""

    id: str
    names: dict[str, str]
    pattern: re.Pattern[str]


def _colour(colour_id: str, fi: str, sv: str, en: str, forms: str) -> Colour:
    return Colour(colour_id, {"fi": fi, "sv": sv, "en": en}, re.compile(rf"\b(?:{forms})\b"))


# Patterns run over lower-cased text (with ä/ö/å) and its folded form; Finnish stems take any
# ending ("mustana", "sinisiä", "punaisena", spoken "punasena"); Swedish forms are listed
# ("röd", "rött", "röda").
COLOURS: tuple[Colour, ...] = (
    _colour(
        "black",
        "musta",
        "svart",
        "black",
        r"musta\w*|must(?:ia|ien|iin|issa|ista|illa|ina)|svart\w*|black\w*",
    ),
    _colour("blue", "sininen", "blå", "blue", r"sini(?:nen|s|n)\w*|blå(?:tt|a|e)?|blue\w*"),
    _colour(
        "red", "punainen", "röd", "red", r"punai\w*|punan(?:en)?|punas\w*|röd(?:a|e)?|rött|red"
    ),
    _colour(
        "green",
        "vihreä",
        "grön",
        "green",
        r"vihre\w*|vihrea\w*|grön(?:t|a|e)?|gron(?:t|a)?|green\w*",
    ),
    _colour("grey", "harmaa", "grå", "grey", r"harmaa\w*|harmai\w*|grå(?:tt|a|e)?|grey\w*|gray\w*"),
    _colour(
        "yellow",
        "keltainen",
        "gul",
        "yellow",
        r"keltai\w*|keltan(?:en)?|keltas\w*|gul(?:t|a|e)?|yellow\w*",
    ),
    _colour("orange", "oranssi", "orange", "orange", r"oranss\w*|orange\w*"),
    _colour("brown", "ruskea", "brun", "brown", r"ruske\w*|brun(?:t|a|e)?|brown\w*"),
    _colour(
        "white",
        "valkoinen",
        "vit",
        "white",
        r"valkoi\w*|valkon(?:en)?|valkos\w*|vit(?:t|a|e)?|white\w*",
    ),
    _colour("sand", "hiekanvärinen", "sandfärgad", "sand", r"hiekanv\w*|sandf\w*|sand"),
)
COLOUR_BY_ID: dict[str, Colour] = {colour.id: colour for colour in COLOURS}


def colour_name(value: str, lang: str) -> str:
    """The colour's name in ``lang`` ("black", "sv" -> "svart"); unknown values unchanged."""
    colour = COLOUR_BY_ID.get(value.lower())
    return colour.names.get(lang, value) if colour else value


def variant_label(variant: Variant, lang: str) -> str:
    """A variant for people: "M, musta", "42", "" for a product without options."""
    parts = []
    for key, value in variant.attributes.items():
        parts.append(colour_name(value, lang) if key == "colour" else value)
    return ", ".join(parts)
