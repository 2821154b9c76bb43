"""Recognising a stock question by its words, in fi/sv/en.

Two strengths: the words of stock itself ("in stock", "varastossa", "i lager", "saatavuus",
"sold out") and the words of asking whether the shop has something ("have you got", "löytyykö",
"har ni", "säljer ni"). The first make a product found beat even an FAQ answer; the second
only beat the FAQ's buttons or fallback, since "do you have gift cards" is a policy question.

Detection rules, not texts shown to shoppers: when the FAQ has nothing and no product matches,
such a question is told "no such product" rather than "I did not understand".
"""

from __future__ import annotations

import re

_STOCK = re.compile(
    r"\b(?:(?:in|out of|back in) stock|stock levels?|sold out|"
    r"varastossa|varastosta|varastoon|saatavilla|saatavana|saatavuu\w*|loppuunmyy\w*|"
    r"i lager|på lager|lagret|lagersaldo\w*|slutsål\w*)\b",
    re.IGNORECASE,
)
# asking whether the shop has or sells something (the verb, not the thing)
_AVAILABILITY = re.compile(
    r"\b(?:(?:do|does|did) (?:you|u|ya) (?:guys )?(?:have|sell|carry|stock)|"
    r"(?:have|has) (?:you|u) (?:guys )?got|(?:you|u) got any|got any|any \w+(?: \w+)? left|"
    r"available|availability|"
    r"onko (?:teillä|teil|teilt)|onks (?:teillä|teil|teilt)|jäljellä|jälellä|"
    r"l[öo]ytyy(?:kö|ks|k)|myyttek[öo]|myytteks|"
    r"har ni|finns det|säljer ni|saljer ni|"
    r"finns \w+(?: \w+)? kvar|tillgänglig\w*)\b",
    re.IGNORECASE,
)

# when something comes back is the restock question, which the FAQ may answer for all products
_WHEN_BACK = re.compile(
    r"\b(?:when|back|again|restock\w*|milloin|koska|takaisin|uudestaan|uudelleen|täydenn\w*|"
    r"när|tillbaka|igen|påfyll\w*)\b",
    re.IGNORECASE,
)


# someone who could help: a stock question that Rasa took for a request for a person and that
# names someone ("voisko joku tarkistaa varastosta") stays a request ("two person tent" does not)
_SOMEONE = re.compile(
    r"\b(?:someone|somebody|anyone|anybody|human\w*|agent\w*|staff|employee\w*|"
    r"joku|jonkun|jollekin|joltakin|jotakuta|kukaan|kenenkään|ihmi\w*|myyjä\w*|myyja\w*|"
    r"asiakaspalveli\w*|någon|nån|människ\w*|personal\w*|säljare\w*|kundtjänst\w*)\b",
    re.IGNORECASE,
)


def asks_about_stock(text: str) -> bool:
    """True when ``text`` uses the words of stock itself ("in stock", "i lager", "saatavuus")."""
    return bool(_STOCK.search(text or ""))


def asks_about_stock_now(text: str) -> bool:
    """True when ``text`` asks about stock now ("is the era 2 in stock?"), not when it is back."""
    return asks_about_stock(text) and not _WHEN_BACK.search(text or "")


def asks_for_product(text: str) -> bool:
    """True when ``text`` asks whether the shop has or sells something, or about its stock."""
    return asks_about_stock(text) or bool(_AVAILABILITY.search(text or ""))


def without_stock_words(text: str) -> str:
    """``text`` without its stock and availability words, for product search: "finns det skidor
    180 cm i lager" -> "skidor 180 cm" (the question's words dilute what names the product)."""
    bare = _AVAILABILITY.sub(" ", _STOCK.sub(" ", text or ""))
    return " ".join(bare.split())


def mentions_someone(text: str) -> bool:
    """True when ``text`` names someone who could help ("can someone check", "joku", "någon")."""
    return bool(_SOMEONE.search(text or ""))
