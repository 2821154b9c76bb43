"""Whether a message Rasa filed as small talk reads like it.

The intent classifier files short shop questions under greetings, thanks, goodbyes, "are you
a bot?", yes, no or "stop" with confidence near 1.0 ("och hur länge är ångerrätten" as a
goodbye, "is there a warranty" as a bot challenge, "will it get here before xmas" as stop). A
goodbye without a word of farewell, a bot challenge that names no bot, person or machine, or a
"stop" with no word of stopping is taken as a shop question instead. The markers are not per
language (short messages are often detected wrongly), so a few are words of another language
too ("ja", "en"): such a message keeps the classifier's intent, as before. These are detection
rules in fi/sv/en (folded: å, ä → a, ö → o), not texts shown to shoppers; every NLU example of
these intents must carry its marker (tests/bot/test_small_talk.py checks it).
"""

from __future__ import annotations

import re

from bot.language import fold_diacritics

_HELLO = (
    r"hi+|hello+|hel+o|hey+|he+ya|hiya|howdy|yo|sup|wassup|whats up|morning|greetings"
    r"|good (?:morning|afternoon|evening|day)"
    r"|hei\w*|moi\w*|moro|morj\w*|terv\w*|terppa|tere|hoi|hellurei|huomenta"
    r"|hyvaa (?:huomenta|paivaa|iltaa)|^paivaa|^iltaa"
    r"|hej\w*|hall[ao]+\w*|tja|tjena\w*|tjabba|goddag|^morgon|halsningar"
    r"|god (?:morgon|dag|kvall|eftermiddag)"
)
_BYE = (
    r"bye+|goodbye|good bye|cya|see (?:you|ya)|(?:talk to you|catch you|speak) later|laters|^later"
    r"|take care|good ?night|farewell|have a \w+ (?:day|evening|weekend|one)|gotta go"
    r"|got to go|i'?m off|ttyl"
    r"|heido|nakemiin|naha+n|nahda+n|\w*paivanjatkoa|\w*illanjatkoa|hyvaa (?:yota|viikonloppua)"
    r"|kuulemiin|palail\w*|lahden|lahdetaan|pitaa (?:menna|lahtea)|tsemppia|tsau"
    r"|hej ?da|vi ses|vi hors|ha det\w*|ha en \w+ (?:dag|kvall|helg)|adjo|ajo\w*|ses|god natt"
    r"|trevlig (?:dag|kvall|helg)|maste (?:ga|sticka|dra)|sa lange|tjing"
)
_THANKS = (
    r"thanks?|thank you|thx|ty|tnx|cheers|appreciate\w*|much obliged|helpful|perfect|awesome"
    r"|great|brilliant"
    r"|kiit\w*|kitos|kiva|mahtava|loistava|super|hienoa|tosi hyva"
    r"|tack\w*|tak|toppen|perfekt|grymt|snallt|bra jobbat"
)
_BOT = (
    r"who (?:am i|is this|are you)|kuka (?:siella |taalla |mulle )?(?:vastaa|puhuu|kirjoittaa)"
    r"|vem (?:pratar|skriver|svarar)"
    r"|\w*bot|\w*bott?i\w*|robot\w*|ai|a\.i\.|human\w*|a person|real person|machine|computer"
    r"|automat\w*|chat ?gpt|gpt|real|alive"
    r"|ihmi(?:nen|nenko|sen)|kone\w*|tietokone\w*|automaat\w*|oikea\w*|oikee\w*|aito|elava|tekoaly\w*|ohjelma"
    r"|manniska\w*|maskin\w*|dator\w*|automatisk\w*|riktig\w*|akta|levande"
)
_YES = (
    r"y|ya|yes+|yeah|yep|yup|sure|ok|okay|k|of course|definitely|absolutely|sounds good"
    r"|correct|please do|go ahead|alright|i would|great|that'?s right|^right"
    r"|joo|kylla|juu|jep|jes|okei|oki|selva|sopii|kay|totta kai|mielellaan|ilman muuta"
    r"|^niin|juuri niin"
    r"|pitaa paikkansa"
    r"|ja+|garna|jattegarna|^jo|japp|jepp|jajamen|absolut|javisst|visst|okej|stammer|precis"
    r"|sjalvklart|^kor|later bra|toppen|^mm|tak"
)
_NO = (
    r"n|no+|nope|nah|not|never ?mind|nevermind|i'?m (?:good|fine|ok)|no way|don'?t|i'?ll pass"
    r"|maybe later|thx"
    r"|ei\w*|en|eika|antaa olla|ehka myohemmin"
    r"|nej|na+|naha|inte|behovs|kanske senare|glom|helst|klarar|lugnt"
)
_STOP = (
    r"forget|cancel|stop|skip|continue|no need|leave it|drop it|enough|that'?s all"
    r"|unohda|anna olla|sittenkaan|lopeta|peru|jatetaan|jatkaa|keskeyta|riittaa"
    r"|strunta|glom|avbryt|lat bli|sluta|fortsatta|skit i|spelar ingen roll|avsluta|racker"
)
_MARKERS = {
    "greet": _HELLO,
    "goodbye": f"{_HELLO}|{_BYE}",  # "kiitos ja hei", "morjens sitten" say goodbye too
    "thanks": _THANKS,
    "bot_challenge": _BOT,
    "affirm": _YES,
    "deny": _NO,
    "stop": _STOP,
}
_COMPILED = {intent: re.compile(rf"(?<!\w)(?:{words})(?!\w)") for intent, words in _MARKERS.items()}

MARKED_INTENTS = frozenset(_MARKERS)


def reads_as(intent: str, text: str) -> bool:
    """True when ``text`` carries a marker of ``intent`` (any intent without markers: True).

    >>> reads_as("goodbye", "kiitos ja hei"), reads_as("goodbye", "och hur länge är ångerrätten")
    (True, False)
    """
    pattern = _COMPILED.get(intent)
    if pattern is None:
        return True
    return bool(pattern.search(fold_diacritics((text or "").lower()).strip()))
