"""What the bot did with a first message, read from its reply: answered, clarified or other.

- **answered**: a message contains an FAQ entry's answer in some language (FAQ cases), or names a
  product (stock cases; the longest product name found wins, so "Trail Runner GTX" is not
  "Trail Runner");
- **clarified**: the reply has buttons choosing FAQ entries (``/choose_faq{"faq_id":"..."}``,
  see ``actions/faq.py``) or products (``/choose_product{"product_id":"..."}``,
  ``actions/shop_stock.py``);
- **other**: anything else (fallback, out of scope, goodbye, a form question, a handoff ...), with
  the domain.yml response it was when recognised (a stock question answered from the FAQ is
  ``faq:<entry id>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.e2e.client import BotMessage
from bot.faq.loader import Faq
from bot.responses import ResponseRecogniser, normalise
from bot.shop.models import Product

Outcome = Literal["answered", "clarified", "other"]
NONE_OF_THESE = "none"  # the "none of these" button's faq_id
FAQ_PREFIX = "faq:"

_CHOOSE = re.compile(r"^/(choose_faq|choose_product)(\{.*\})$", re.DOTALL)


@dataclass(frozen=True)
class Classified:
    """The outcome of one case, what it offered (entry or product ids) and, for other, why."""

    outcome: Outcome
    offered: tuple[str, ...] = ()
    response: str | None = None


class ReplyClassifier:
    """Classifies replies against one FAQ, one domain's responses and the shop's products."""

    def __init__(
        self, faq: Faq, responses: ResponseRecogniser, products: Sequence[Product] = ()
    ) -> None:
        self._answers = _longest_first(
            (normalise(text), entry.id) for entry in faq.entries for text in entry.answer.values()
        )
        self._names = _longest_first(
            (normalise(name), product.id) for product in products for name in product.name.values()
        )
        self._responses = responses

    def faq(self, messages: Sequence[BotMessage]) -> Classified:
        """The outcome of an FAQ question's reply."""
        if entry := self.answered_entry(messages):
            return Classified("answered", (entry,))
        if offered := chosen_ids(messages, "choose_faq", "faq_id"):
            return Classified("clarified", offered)
        return Classified("other", response=self.response_of(messages))

    def stock(self, messages: Sequence[BotMessage]) -> Classified:
        """The outcome of a stock question's reply (an FAQ answer is ``other``)."""
        if entry := self.answered_entry(messages):
            return Classified("other", response=FAQ_PREFIX + entry)
        if product := self.named_product(messages):
            return Classified("answered", (product,))
        if offered := chosen_ids(messages, "choose_product", "product_id"):
            return Classified("clarified", offered)
        return Classified("other", response=self.response_of(messages))

    def answered_entry(self, messages: Sequence[BotMessage]) -> str | None:
        """The FAQ entry whose answer (in any language) is in the reply."""
        return _first_contained(self._answers, messages)

    def named_product(self, messages: Sequence[BotMessage]) -> str | None:
        """The product whose name (in any language) is in the reply; the longest name wins."""
        return _first_contained(self._names, messages)

    def response_of(self, messages: Sequence[BotMessage]) -> str | None:
        """The name of the first message recognised as a domain.yml response."""
        names = (self._responses.name_of(m.text) for m in messages if m.text)
        return next((name for name in names if name), None)


def chosen_ids(messages: Iterable[BotMessage], intent: str, key: str) -> tuple[str, ...]:
    """The ids the reply's ``/intent{"key": id}`` buttons choose ("none of these" left out)."""
    ids: list[str] = []
    for message in messages:
        for button in message.buttons:
            found = _CHOOSE.match(button.payload.strip())
            if not found or found.group(1) != intent:
                continue
            try:
                value = json.loads(found.group(2)).get(key)
            except (ValueError, AttributeError):
                continue
            if isinstance(value, str) and value != NONE_OF_THESE and value not in ids:
                ids.append(value)
    return tuple(ids)


def _longest_first(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted({pair for pair in pairs if pair[0]}, key=lambda pair: (-len(pair[0]), pair))


def _first_contained(needles: list[tuple[str, str]], messages: Sequence[BotMessage]) -> str | None:
    texts = [normalise(m.text) for m in messages if m.text]
    return next((found for needle, found in needles if any(needle in t for t in texts)), None)
