"""Sizes, colours and stores in shopper messages, in Finnish, Swedish and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.shop import query
from bot.shop.catalog import load_catalog
from bot.shop.models import Location, Product, Variant
from bot.shop.query import QueryParser, StockQuery
from bot.shop.vocab import colour_name, stems, tokens, variant_label
from tests.conftest import ROOT
from tests.deadline import finishes

CATALOG = load_catalog(ROOT / "data" / "shop")
PARSER = QueryParser(CATALOG.locations, CATALOG.products, CATALOG.aliases)


@pytest.mark.parametrize(
    ("text", "size", "colour", "store"),
    [
        # Finnish
        ("onko Vaellus 45 -reppua M-koossa?", "M", None, None),
        ("Revontuli untuvatakkia mustana L-kokoa Tampereen myymälässä", "L", "black", "tampere"),
        ("koko 42 sinisenä, onko Helsingissä", "42", "blue", "helsinki"),
        ("trail runnereita 39 punaisena oulusta", "39", "red", "oulu"),
        ("kuoritakki punasena xl turussa", "XL", "red", "turku"),
        ("vihreitä vaellushousuja kokoa S verkkokaupassa", "S", "green", "online"),
        ("harmaata fleeceä koossa m", "M", "grey", None),
        ("tunturi kengät 44:nä", "44", None, None),
        ("onko netistä saatavilla keltasena", None, "yellow", "online"),
        ("aalto mela 230 cm", "230 cm", None, None),
        # Swedish
        ("finns Trail Runner i storlek 42 i Tammerforsbutiken?", "42", None, "tampere"),
        ("dunjackan i svart stl L i Helsingfors", "L", "black", "helsinki"),
        ("röda mössor i Åbo", None, "red", "turku"),
        ("grönt, storlek XS, i Uleåborg", "XS", "green", "oulu"),
        ("vaellus 45:an i blått på nätet", None, "blue", "online"),
        ("gråa byxor i medium", "M", "grey", None),
        # English
        ("is the down jacket in stock in black?", None, "black", None),
        ("do you have size 43 in grey at the Oulu store", "43", "grey", "oulu"),
        ("red beanie, Turku", None, "red", "turku"),
        ("blue trail runners size 37 online", "37", "blue", "online"),
        ("vaellus 65 size L green", "L", "green", None),
        ("white shoes in a large", "L", "white", None),
        ("the brown boots, 45, Helsinki", "45", "brown", "helsinki"),
    ],
)
def test_extracts_size_colour_and_store(
    text: str, size: str | None, colour: str | None, store: str | None
) -> None:
    query = PARSER.parse(text)
    assert (query.size, query.colour, query.store) == (size, colour, store)


@pytest.mark.parametrize(
    "text",
    [
        "Vaellus 45 rinkka",  # the 45 belongs to the product name
        "vaellus 45:n hinta",
        "45 litran reppu",  # a volume, not a size
        "Kaamos -15 makuupussi",  # a temperature
        "laskettelumonot 27.5",
        "kuksa 0,75 l",
        "maksaa 39 €",
        "tilaus 100234",
        "Is it in stock?",  # "I" and "is" are not sizes
        "onko koko valikoima esillä",  # "koko" = the whole
        "this size is fine",
    ],
)
def test_numbers_and_words_that_are_not_sizes(text: str) -> None:
    assert PARSER.size(text) is None


@pytest.mark.parametrize(
    "text",
    ["tykkään mustikoista", "about the order", "Sandra kysyy", "fishing rod", "gulp", "kiitos"],
)
def test_no_false_colours_or_stores(text: str) -> None:
    query = PARSER.parse(text)
    assert (query.colour, query.store) == (None, None), query


def test_several_stores_in_the_order_named() -> None:
    query = PARSER.parse("onko Turussa vai Helsingissä, tai verkkokaupassa?")
    assert query.stores == ("turku", "helsinki", "online")
    assert query.store == "turku"


def test_attributes_for_variant_matching() -> None:
    assert PARSER.parse("musta M").attributes == {"size": "M", "colour": "black"}
    assert StockQuery().attributes == {}


def test_stores_from_location_names_without_aliases() -> None:
    locations = [
        Location("online", {"fi": "verkkokauppa", "sv": "webbutiken", "en": "online store"}, False),
        Location(
            "kuopio",
            {"fi": "Kuopion myymälä", "sv": "butiken i Kuopio", "en": "Kuopio store"},
            True,
        ),
    ]
    parser = QueryParser(locations)
    assert parser.stores("onko kuopiossa") == ("kuopio",)
    assert parser.stores("finns den i webbutiken") == ("online",)
    assert parser.stores("myymälässä") == ()  # a generic word names no store


def test_colours_as_the_catalogue_writes_them() -> None:
    products = [
        Product(
            id="cap",
            sku="C",
            name={"fi": "Lippis"},
            description={"fi": "Lippis"},
            variants=(
                Variant("C-1", {"colour": "Musta"}),
                Variant("C-2", {"colour": "Petrooli"}),
            ),
        )
    ]
    parser = QueryParser((), products)
    assert parser.colour("onko mustana") == "Musta"
    assert parser.colour("in black") == "Musta"
    assert parser.colour("petrooli lippis") == "Petrooli"
    assert parser.colour("sininen") == "blue"  # not in this catalogue: the known colour's id


def test_vocabulary_helpers() -> None:
    assert tokens("Ärmlös Dunväst") == ["armlos", "dunvast"]
    assert tokens("Vaellus45 -rinkka, 0,75 l") == ["vaellus", "45", "rinkka", "0,75", "l"]
    assert "reppu" in stems("reppua") and "untuvatakki" in stems("untuvatakkia")
    assert colour_name("black", "sv") == "svart" and colour_name("petrol", "fi") == "petrol"
    variant = Variant("X", {"size": "M", "colour": "red"})
    assert variant_label(variant, "fi") == "M, punainen"
    assert variant_label(Variant("Y"), "en") == ""


# -- any text, any length -----------------------------------------------------------------------

# The patterns rewritten to run in linear time, as they were: they must find the same sizes.
_SIZE_WORDS = query._SIZE_WORDS
_ORIGINALS = {
    "_KEYWORD_BEFORE": rf"\b(?:{_SIZE_WORDS})\s*[:.]?\s*({query._LETTER}|{query._NUMBER})(?![\w])",
    "_KEYWORD_AFTER": rf"(?<![\w-])({query._LETTER}|{query._NUMBER})\s*-?\s*(?:koko\w*|koo\w*|"
    r"numero\w*|size|sized|storlek\w*|stl)\b",
    "_LENGTH_KEYWORD": r"\b(?:pituus|pituinen|längd|length|lång|long)\s*:?\s*(\d{3})\b",
    "_BARE_NUMBER": r"(?<![\w,.+#-])(\d{2,3})(?!\w|\s*[%€°$]|[,.]\d)"
    r"(?!\s*-?\s*(?:l|lit\w*|ltr|liter\w*|litre\w*|cm|mm|kg|g|e|eur\w*|lm|lumen\w*|h|min\w*|"
    r"km|m|v|vuo\w*|år\w*|years?|yrs|aste\w*|grader|degrees?|kpl|st|pcs|hen\w*|pers\w*|"
    r"people|dag\w*|days?|päiv\w*|paiv\w*|tun\w*|hours?|timm\w*)\b)",
}
_PIECES = [
    "koko", "size", "storlek", "pituus", "42", "45", "230", "XL", "m", "M", "-", ":", ".", ",",
    " ", "  ", "\n", "cm", "koossa", "l", "kg", "vaellus", "x", "ä", "%",
]  # fmt: skip
_SIZEY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[Any, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@given(st.one_of(_SIZEY, st.text()))
def test_the_linear_size_patterns_find_what_the_originals_found(text: str) -> None:
    for name, original in _ORIGINALS.items():
        rewritten: re.Pattern[str] = getattr(query, name)
        reference = re.compile(original, rewritten.flags)
        assert _found(rewritten, text) == _found(reference, text), name


@given(st.one_of(_SIZEY, st.text()))
def test_any_text_is_parsed(text: str) -> None:
    parsed = PARSER.parse(text)
    assert parsed.store in (None, *(loc.id for loc in CATALOG.locations))


def _parse(text: str) -> None:
    QueryParser(CATALOG.locations, CATALOG.products, CATALOG.aliases).parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "koko" + " " * 50_000 + "x",  # "\s*[:.]?\s*" split the spaces every way
        "42" + " " * 50_000 + "x",
        "pituus" + " " * 50_000 + "x",
        "10 " * 30_000,  # every number looked at all the words before it
        "vaellus 45 " * 10_000,
        "ä" * 200_000,
    ],
    ids=["size-word-spaces", "number-spaces", "length-spaces", "numbers", "name-numbers", "ä"],
)
def test_a_huge_message_is_parsed_in_linear_time(text: str) -> None:
    assert finishes(_parse, text)
