"""Whether a shopper reports a problem with something they already have, in fi/sv/en
(detection rules, not texts shown to shoppers).

"my headlamp stopped working", "tältet jag köpte läcker", "ostin kengät ja pohja irtosi": such
a message names a product, but it asks for the FAQ's warranty, damaged-item or returns answer,
not for the product's stock. Two kinds of words mark it:

- a fault or damage ("broke", "leaks", "rikki", "hajosi", "gick sönder", "läcker"), or the
  words of a warranty claim ("warranty", "takuu", "reklamation"): enough on their own;
- the shopper's own item ("I bought", "my", "ostin", "tilaamani", "köpte", "mina") with a
  misfit or a return ("too small", "wrong colour", "ei sopinut", "palauttaa", "passar inte",
  "byta"): both are needed, since "do you have a bigger size" is a stock question.

Every ``check_stock`` NLU example reads as no such problem, and every fault described in the
FAQ's damaged-item and warranty entries reads as one (tests/bot/shop/test_problem_words.py).
"""

from __future__ import annotations

import re

from bot.language import fold_diacritics

# patterns are matched on lowercased text without diacritics (fold_diacritics)
_FAULT = re.compile(
    r"(?<!\w)(?:"
    # en
    r"broke|broken|break(?:s|ing)? (?:down|apart|off)|snapp?ed|cracked|cracks|torn|tore|"
    r"ripped|burst|smashed|shattered|crushed|bent|dented|frayed|peel(?:s|ed|ing)|faded|"
    r"leak(?:s|ed|ing|y)?|damag\w*|demaged|defect\w*|fault\w*|malfunction\w*|"
    r"(?:stopped|stops|quit) (?:working|charging|closing|zipping)|"
    r"(?:not|isn'?t|isnt|aren'?t|arent|doesn'?t|doesnt|don'?t|dont) (?:work|working|close|zip|"
    r"charge|charging|light|turn on|inflate|keep \w+|stay \w+)|"
    r"(?:won'?t|wont|will not|can'?t|cant) (?:work|close|zip|charge|light|turn on|switch on|"
    r"inflate|stay \w+)|"
    r"(?:fell|falling|fallen|came|come|coming|comes) (?:apart|off|loose|undone)|"
    r"worn (?:out|through)|hole in|holes in|warrant\w*|warrenty|guarant\w*|complain\w*|"
    # fi
    r"rikki|rikkinai\w*|rikkoutu\w*|rikkou\w*|hajo\w*|hajos|vuo(?:taa|ti|tanut|tavat|tava|tivat)|"
    r"irtos\w*|irronn\w*|irti|repes\w*|repea\w*|repey\w*|revenn\w*|reika\w*|reiat\w*|"
    r"halke\w*|haljen\w*|katke\w*|murtu\w*|vaanty\w*|\w*vaurio\w*|vialli\w*|"
    r"vika|vikaa|vian|viassa|"
    r"sapaleina|hajalla|murskana|ruttu\w*|lommo\w*|tuotevika|lakka\w* toimimasta|"
    r"ei (?:enaa |en )?(?:toimi|toiminut|syty|lataudu|pysy|mene kiinni|pida)|"
    r"takuu\w*|reklam\w*|"
    # sv
    r"sonder\w*|trasig\w*|paj|lack(?:er|te|t|a|age)|\w*skad(?:a|ad|ade|ades|at|or)|skadade\w*|"
    r"defekt\w*|felaktig\w*|fel pa|sprack\w*|spricka|spruck\w*|ett hal|hal i|hal pa|"
    r"krossad\w*|mosad\w*|bojd|bojt|bojda|lossn\w*|gick av|gatt av|"
    r"(?:gar|gick) inte att (?:ladda|stanga|tanda|blasa upp)|(?:haller|holl) inte|"
    r"slutat (?:fungera|funka)|slutade (?:fungera|funka)|(?:funkar|fungerar|funkade|fungerade) "
    r"(?:inte|int)|garanti\w*|reklam\w*"
    r")(?!\w)"
)
# the shopper's own item: bought, ordered, received or "my"
_OWNED = re.compile(
    r"(?<!\w)(?:"
    r"i (?:bought|ordered|purchased|got|received)|bought|ordered|purchased|received|arrived|"
    r"delivered|my|mine|our|"
    r"ostin|ostettu\w*|ostamani|ostamat|tilasin|tilaamani|tilaamat|tilattu\w*|sain|saamani|"
    r"tuli|tulivat|saapui|mun|mulla|minun|mina|meidan|"
    r"kopte|kopt|kopta|bestallde|bestallt|bestallda|fick|kom|levererades|min|mitt"
    r")(?!\w)"
)
# a misfit or a wish to return or exchange it
_RETURN = re.compile(
    r"(?<!\w)(?:"
    r"too (?:small|big|large|tight|loose|short|long|narrow|wide)|(?:doesn'?t|doesnt|don'?t|dont|"
    r"didn'?t|didnt) fit|wrong (?:size|colou?r|item|product|model)|not what i ordered|missing|"
    r"return\w*|send (?:it |them )?back|exchange\w*|swap\w*|refund\w*|"
    r"liian (?:pieni|pienet|iso|isot|suuri|suuret|tiukka|tiukat|lyhyt|lyhyet|pitka|pitkat|"
    r"kapea|kapeat|leve\w*)|ei (?:sopinut|sovi|sopineet)|eivat (?:sopineet|sovi)|vaara\w*|"
    r"puuttu\w*|palaut\w*|vaihta\w*|vaihdo\w*|vaihdet\w*|hyvity\w*|rahat takaisin|"
    r"for (?:liten|litet|sma|stor|stort|stora|trang|trangt|tranga|kort|lang)|"
    r"(?:passar|passade) (?:inte|int)|fel (?:storlek|farg|vara|produkt|modell)|saknas|"
    r"returner\w*|skicka (?:den |dem |det )?tillbaka|byta|byte|bytet|aterbetal\w*|"
    r"pengarna tillbaka"
    r")(?!\w)"
)


def reports_a_problem(text: str) -> bool:
    """True when ``text`` reports a fault in, damage to, or a misfit of the shopper's own item,
    or asks about a warranty claim."""
    folded = fold_diacritics((text or "").lower())
    return bool(_FAULT.search(folded)) or bool(_OWNED.search(folded) and _RETURN.search(folded))
