"""What a stock question asks for besides the product: a size, a colour and a store.

"onko Vaellus 45 -reppua M-koossa Tampereen myymälässä?" -> size "M", store "tampere";
"finns Trail Runner i storlek 42 i Tammerforsbutiken?" -> size "42", store "tampere";
"is the down jacket in stock in black?" -> colour "black". Values match the catalogue's
variant attributes and location ids, so they can be compared to them directly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.language import fold_diacritics
from bot.shop.models import Location, Product
from bot.shop.vocab import COLOURS, tokens

_LETTER = r"(?:XXXL|XXL|XXS|XL|XS|3XL|2XL|S|M|L)"
_NUMBER = r"\d{2}(?:[.,]5)?"
_SIZE_WORDS = (
    r"koko|koon|kokoa|koossa|kokoon|kokona|kokoja|kokoina|size|sized|sizes|storlek|storleken|"
    r"storlekar|stl|str|strl|nr|nro|numero|numeroa|numerossa|numeron|eu"
)
_KEYWORD_BEFORE = re.compile(
    rf"\b(?:{_SIZE_WORDS})\s*+[:.]?\s*+({_LETTER}|{_NUMBER})(?![\w])", re.IGNORECASE
)
_KEYWORD_AFTER = re.compile(
    rf"(?<![\w-])({_LETTER}|{_NUMBER})\s*+-?\s*+(?:koko\w*|koo\w*|numero\w*|size|sized|"
    r"storlek\w*|stl)\b",
    re.IGNORECASE,
)
_NUMBER_CASE = re.compile(r"(?<![\w,.+-])(\d{2}):(?:[^\W\d_]{1,4})\b")  # "42:n", "42:an"
_UPPER_LETTER = re.compile(r"(?<![\w-])(XXXL|XXL|XXS|XL|XS|3XL|2XL|S|M|L)(?![\w-])")
_LOWER_LETTER = re.compile(r"(?<![\w-])(xxxl|xxl|xxs|xl|xs)(?![\w-])", re.IGNORECASE)
_WORD_SIZE = re.compile(
    r"\b(?:(?:in|i|size|storlek|koko|kokoa|koossa)\s+(?:an?\s+)?(small|large)|"
    r"(medium|x-?large|extra[ -]large|extra[ -]small|x-?small))\b",
    re.IGNORECASE,
)
_WORD_SIZES = {
    "small": "S",
    "medium": "M",
    "large": "L",
    "xlarge": "XL",
    "extralarge": "XL",
    "xsmall": "XS",
    "extrasmall": "XS",
}
_LENGTH = re.compile(
    r"(?<![\w,.])(\d{3})\s*(?:cm|senttiä|senttinen|senttiset|sentin|sentti|centimeter)",
    re.IGNORECASE,
)
_LENGTH_KEYWORD = re.compile(
    r"\b(?:pituus|pituinen|längd|length|lång|long)\s*+:?\s*+(\d{3})\b", re.IGNORECASE
)
_BARE_NUMBER = re.compile(
    r"(?<![\w,.+#-])(\d{2,3})(?!\w|\s*[%€°$]|[,.]\d)"
    r"(?!\s*+-?\s*+(?:l|lit\w*|ltr|liter\w*|litre\w*|cm|mm|kg|g|e|eur\w*|lm|lumen\w*|h|min\w*|"
    r"km|m|v|vuo\w*|år\w*|years?|yrs|aste\w*|grader|degrees?|kpl|st|pcs|hen\w*|pers\w*|"
    r"people|dag\w*|days?|päiv\w*|paiv\w*|tun\w*|hours?|timm\w*)\b)"
)
# Spaces, an optional ":" or "-", spaces: possessive (*+), so a long run of spaces is not split
# every way (cubic); tests/bot/shop/test_query.py holds them to the original patterns.
_SHOE_RANGE = range(35, 49)
_NAME_WORD_WINDOW = 100  # characters before a number in which its product-name word is looked for
_SIZE_ORDER = {
    "XXS": "XXS",
    "XS": "XS",
    "S": "S",
    "M": "M",
    "L": "L",
    "XL": "XL",
    "XXL": "XXL",
    "2XL": "XXL",
    "XXXL": "XXXL",
    "3XL": "XXXL",
}

# Words in location names that do not name one place ("Tampereen myymälä", "Åbo butiken").
_GENERIC_PLACE_WORDS = frozenset(
    {
        "myymala",
        "myymalan",
        "butiken",
        "butik",
        "butiker",
        "store",
        "shop",
        "the",
        "och",
        "and",
        "kauppa",
        "verkkokaupan",
        "varasto",
        "lager",
        "warehouse",
    }
)
_PLACE_ENDINGS = frozenset(
    {
        "",
        "n",
        "ssa",
        "sta",
        "lla",
        "lta",
        "lle",
        "an",
        "en",
        "in",
        "un",
        "on",
        "hin",
        "seen",
        "ksi",
        "na",
        "a",
        "s",
        "ssakin",
        "stakin",
        "ssako",
        "stako",
        "nkin",
        "kin",
        "ko",
    }
)
_PLACE_COMPOUNDS = ("butiken", "butik", "myymala", "store", "shop", "liike")


@dataclass(frozen=True)
class StockQuery:
    """The variant and store a stock question asks about (None: not said)."""

    size: str | None = None
    colour: str | None = None
    store: str | None = None  # a location id ("online" for the web shop)
    stores: tuple[str, ...] = ()  # every location named, in the order named

    @property
    def attributes(self) -> dict[str, str]:
        """The wanted variant attributes, e.g. ``{"size": "M", "colour": "black"}``."""
        wanted = {"size": self.size, "colour": self.colour}
        return {key: value for key, value in wanted.items() if value is not None}


class QueryParser:
    """Finds sizes, colours and stores in shopper messages, in Finnish, Swedish and English.

    Args:
        locations: the shop's locations; their ids are what :attr:`StockQuery.store` holds.
        products: the catalogue; its colour values are returned as written there, and numbers
            in product names ("Vaellus 45") are not taken for sizes.
        aliases: words naming each location (``locations.yml``'s ``aliases``); without them,
            the location's id and the distinctive words of its names are used.
    """

    def __init__(
        self,
        locations: Sequence[Location],
        products: Sequence[Product] = (),
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._places = [
            (loc.id, _place_words(loc, (aliases or {}).get(loc.id))) for loc in locations
        ]
        self._colour_values = _colour_values(products)
        self._name_numbers = _name_numbers(products)
        self._length_sizes = {
            value.split()[0]
            for product in products
            for variant in product.variants
            if (value := variant.attributes.get("size", "")).endswith(" cm")
        }

    def parse(self, text: str) -> StockQuery:
        """The size, colour and store(s) named in ``text``."""
        stores = self.stores(text)
        return StockQuery(
            size=self.size(text),
            colour=self.colour(text),
            store=stores[0] if stores else None,
            stores=stores,
        )

    # ---------------------------------------------------------------------------- sizes
    def size(self, text: str) -> str | None:
        """The first size named: "M", "XL", "42", "220 cm"; None if none."""
        found = self._length(text) or self._explicit_size(text)
        if found:
            return found
        if match := _UPPER_LETTER.search(text):
            return _SIZE_ORDER[match.group(1)]
        if match := _LOWER_LETTER.search(text):
            return _SIZE_ORDER[match.group(1).upper()]
        if match := _WORD_SIZE.search(text):
            word = (match.group(1) or match.group(2)).lower().replace("-", "").replace(" ", "")
            return _WORD_SIZES[word]
        for match in _BARE_NUMBER.finditer(text):
            number = match.group(1)
            if self._in_product_name(text, match.start(), number):
                continue
            if int(number) in _SHOE_RANGE:
                return number
            if number in self._length_sizes:
                return f"{number} cm"
        return None

    def _explicit_size(self, text: str) -> str | None:
        """A size next to a size word ("koko 42", "M-koossa", "storlek L", "42:n")."""
        candidates = []
        for pattern in (_KEYWORD_BEFORE, _KEYWORD_AFTER, _NUMBER_CASE):
            for match in pattern.finditer(text):
                value = match.group(1)
                if value[0].isdigit() and self._in_product_name(text, match.start(1), value):
                    continue  # "Vaellus 65 size L": 65 is the product, L the size
                candidates.append((match.start(1), value))
                break
        if not candidates:
            return None
        value = min(candidates)[1]
        if value[0].isdigit():
            return value.replace(",", ".")
        return _SIZE_ORDER[value.upper()]

    def _length(self, text: str) -> str | None:
        match = _LENGTH.search(text) or _LENGTH_KEYWORD.search(text)
        return f"{match.group(1)} cm" if match else None

    def _in_product_name(self, text: str, start: int, number: str) -> bool:
        """Whether the number at ``start`` belongs to a product name ("Vaellus 45")."""
        before = tokens(text[max(0, start - _NAME_WORD_WINDOW) : start])  # not all, per number
        previous = before[-1] if before else ""
        return any(
            number == name_number and previous[:4] == word[:4]
            for word, name_number in self._name_numbers
        )

    # -------------------------------------------------------------------------- colours
    def colour(self, text: str) -> str | None:
        """The first colour named, as the catalogue writes it (e.g. "black"); None if none."""
        lower, folded = text.lower(), fold_diacritics(text.lower())
        best: tuple[int, str] | None = None
        for colour in COLOURS:
            for haystack in (lower, folded):
                match = colour.pattern.search(haystack)
                if match and (best is None or match.start() < best[0]):
                    best = (match.start(), colour.id)
        for value, concept in self._colour_values.items():
            if concept is None:
                match = re.search(rf"\b{re.escape(fold_diacritics(value.lower()))}\b", folded)
                if match and (best is None or match.start() < best[0]):
                    best = (match.start(), value)
        if best is None:
            return None
        found = best[1]
        for value, concept in self._colour_values.items():
            if concept == found:
                return value
        return found

    # --------------------------------------------------------------------------- stores
    def stores(self, text: str) -> tuple[str, ...]:
        """Ids of the locations named in ``text``, in the order named."""
        folded = fold_diacritics(text.lower())
        words = [(m.start(), m.group()) for m in re.finditer(r"[^\W\d_]+", folded)]
        hits: list[tuple[int, str]] = []
        for loc_id, aliases in self._places:
            positions = []
            for alias in aliases:
                if " " in alias:
                    if match := re.search(rf"\b{re.escape(alias)}\b", folded):
                        positions.append(match.start())
                    continue
                positions.extend(at for at, word in words if _names_place(word, alias))
            if positions:
                hits.append((min(positions), loc_id))
        return tuple(loc_id for _, loc_id in sorted(hits))


def _names_place(word: str, alias: str) -> bool:
    """Whether a folded message word is ``alias`` or an inflected form or compound of it."""
    if not word.startswith(alias):
        return False
    rest = word[len(alias) :]
    if rest in _PLACE_ENDINGS:
        return True
    if any(rest.startswith(head) for head in _PLACE_COMPOUNDS):
        return True
    return len(alias) >= 5 and len(rest) <= 5


def _place_words(location: Location, aliases: Sequence[str] | None) -> tuple[str, ...]:
    if aliases:
        return tuple(dict.fromkeys(fold_diacritics(alias.lower()).strip() for alias in aliases))
    words = [fold_diacritics(location.id.lower())]
    for name in location.name.values():
        words.extend(
            word for word in tokens(name) if len(word) >= 4 and word not in _GENERIC_PLACE_WORDS
        )
    return tuple(dict.fromkeys(words))


def _colour_values(products: Iterable[Product]) -> dict[str, str | None]:
    """Each colour value of the catalogue -> the known colour it is (None: unknown colour)."""
    values: dict[str, str | None] = {}
    for product in products:
        for variant in product.variants:
            value = variant.attributes.get("colour")
            if value is None or value in values:
                continue
            concept = None
            for colour in COLOURS:
                if colour.id == value.lower() or colour.pattern.fullmatch(value.lower()):
                    concept = colour.id
                    break
            values[value] = concept
    return values


def _name_numbers(products: Iterable[Product]) -> set[tuple[str, str]]:
    """(word, number) pairs of product names where a number follows a word: ("vaellus", "45")."""
    pairs = set()
    for product in products:
        for name in product.name.values():
            words = tokens(name)
            for previous, word in itertools.pairwise(words):
                if word[0].isdigit() and not previous[0].isdigit():
                    pairs.add((previous, word))
    return pairs
