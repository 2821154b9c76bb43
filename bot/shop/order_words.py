"""Whether a message speaks of an order at all, in fi/sv/en (detection rules, not texts).

Rasa's ``order_status`` guess starts the order form, which asks for an order number. A message
that names no order, parcel, delivery or tracking ("what wax should I use for classic skis at
-5", filed as an order question by one trained classifier) is a shop question instead.
Every NLU example of ``order_status`` must read as one (tests/bot/shop/test_order_words.py).

A message that asks to cancel or change an order ("please cancel my order, I changed my mind",
"laitoin väärän osoitteen tilaukseen") speaks of one too, but the order form can only look up
where the order is; the FAQ's cancel and change entries say what can be done. No NLU example
of ``order_status`` reads as such a request.
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


# matched on the lower-cased text with diacritics folded, except where folding would make a
# common word ("ändra" -> "andra", other); those are matched before folding
_CHANGE = re.compile(
    r"(?<!\w)(?:"
    r"cancel\w*|chang\w*|modif\w*|amend\w*|edit\w*|remov\w*|add (?:an?|one|another|some)"
    r"|wrong (?:size|colou?r|address|item|product|one)"
    r"|peru(?:a|n|t|isin|ttu\w*|tta\w*|ut\w*|tiin)|muut(?:taa|tt\w*|an|ais\w*|et\w*|os\w*)"
    r"|muokka\w*|lisa(?:ta|tty\w*|isin|an)|poista\w*"
    r"|vaara(?:n|t|lla) (?:koko|koon|osoit\w*|vari\w*|tuot\w*)"
    r"|avbryt\w*|avbest\w*|annuller\w*|angr\w*|lagga till|ta bort"
    r"|fel (?:storlek|adress|farg)"
    r")(?!\w)"
)
_CHANGE_UNFOLDED = re.compile(r"(?<!\w)ändr\w*(?!\w)")


def asks_to_change_an_order(text: str) -> bool:
    """True when ``text`` asks to cancel, change or add to an order (fi/sv/en)."""
    lowered = (text or "").lower()
    return bool(_CHANGE_UNFOLDED.search(lowered) or _CHANGE.search(fold_diacritics(lowered)))
