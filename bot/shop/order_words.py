"""Whether a message speaks of an order at all, in fi/sv/en (detection rules, not texts).

Rasa's ``order_status`` guess starts the order form, which asks for an order number. A message
that names no order, parcel, delivery or tracking ("what wax should I use for classic skis at
-5", filed as an order question by one trained classifier) is a shop question instead.
Every NLU example of ``order_status`` must read as one (tests/bot/shop/test_order_words.py).
"""

from __future__ import annotations

import re

from bot.language import fold_diacritics

_ORDER = re.compile(
    r"(?<!\w)(?:"
    r"order\w*|purchas\w*|bought|package\w*|parcel\w*|deliver\w*|ship\w*|track\w*|arriv\w*"
    r"|get here|come|coming|came|dispatch\w*|sent|send|stuff|my things|where(?: i|')s (?:it|my)"
    r"|tilau\w*|tilas\w*|tilaa\w*|ostok\w*|ostin|ostamani|paket\w*|pakk?au\w*|lahety\w*"
    r"|toimit\w*|seuran\w*|saapu\w*|saap\w*|tul\w*|posti\w*|kuljet\w*|lahte\w*|lahti|lahetet\w*"
    r"|kamat|kama|kamoj\w*|mis(?:sa|s) (?:se|ne|mun|minun)\w*"
    r"|bestall\w*|bestalln\w*|order\w*|paket\w*|leverans\w*|lever\w*|spar\w*|skick\w*|kommer"
    r"|kom|forsandelse\w*|kopt|kopte|grejer|prylar|var ar den|var ar mitt|var ar min"
    r")(?!\w)"
)


def mentions_an_order(text: str) -> bool:
    """True when ``text`` speaks of an order, parcel, delivery or tracking."""
    return bool(_ORDER.search(fold_diacritics((text or "").lower())))
