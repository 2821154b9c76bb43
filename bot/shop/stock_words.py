"""Recognising a stock question by its words ("in stock", "varastossa", "i lager"), in fi/sv/en.

Detection rules, not texts shown to shoppers: when the FAQ has nothing and no product matches,
such a question is told "no such product" rather than "I did not understand".
"""

from __future__ import annotations

import re

_STOCK = re.compile(
    r"\b(?:in stock|out of stock|back in stock|varastossa|varastosta|saatavilla|i lager|lagret)\b",
    re.IGNORECASE,
)


def asks_about_stock(text: str) -> bool:
    """True when ``text`` uses the words of a stock question."""
    return bool(_STOCK.search(text or ""))
