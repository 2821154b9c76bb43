"""Product search with the hashing fake encoder: names, typos, inflections, SKUs, decisions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.shop.catalog import load_catalog
from bot.shop.lexical import NameMatcher, similarity
from bot.shop.search import ProductSearch, SearchSettings
from tests.conftest import ROOT
from tests.fakes import HashingEncoder

PRODUCTS = load_catalog(ROOT / "data" / "shop").products


@pytest.fixture(scope="module")
def search() -> ProductSearch:
    return ProductSearch(PRODUCTS, HashingEncoder())


@pytest.mark.parametrize(
    ("text", "product_id"),
    [
        ("onko Vaellus 45 -reppua M-koossa?", "vaellus_45"),
        ("vaelus 45 rinkkaa", "vaellus_45"),  # typo
        ("trailrunner gtx 44", "trail_runner_gtx"),  # written together
        ("untuvatakkia sinisenä", "revontuli_jacket"),
        ("har ni dunjackan i rött", "revontuli_jacket"),
        ("Revontuli down jacket, black", "revontuli_jacket"),
        ("onko teltan Erä 3 saatavilla", "era_3"),
        ("Kiilo 900", "kiilo_900"),
        ("hanki sukset 190", "hanki_skis"),
        ("tykky pipo", "tykky_beanie"),
    ],
)
def test_finds_one_clear_product(search: ProductSearch, text: str, product_id: str) -> None:
    found = search.search(text)
    assert found.decision == "single", found.matches[:3]
    assert found.product is not None and found.product.id == product_id
    assert found.products == (found.product,)


@pytest.mark.parametrize(
    ("text", "product_id"),
    [
        ("Trail Runnereita 40 mustana", "trail_runner"),  # inflected; "GTX" not said
        ("trail runner gtx:ää", "trail_runner_gtx"),
        ("Vaellus 65 rinkka", "vaellus_65"),
    ],
)
def test_ranks_the_named_product_first(search: ProductSearch, text: str, product_id: str) -> None:
    found = search.search(text)
    assert found.matches[0].product.id == product_id
    assert found.decision != "none" and found.products[0].id == product_id


@pytest.mark.parametrize(
    ("text", "product_ids"),
    [
        ("revontuli", {"revontuli_jacket", "revontuli_vest"}),
        ("Kiilo otsalamppu", {"kiilo_400", "kiilo_900"}),
        ("kiiloa löytyykö", {"kiilo_400", "kiilo_900"}),  # only the model name, inflected
        ("onko myrskyä punaisena", {"myrsky_jacket", "myrsky_pants"}),
    ],
)
def test_several_candidates(search: ProductSearch, text: str, product_ids: set[str]) -> None:
    found = search.search(text)
    assert found.decision == "several" and found.product is None
    assert {p.id for p in found.products} == product_ids


def test_no_more_than_four_candidates(search: ProductSearch) -> None:
    settings = replace(SearchSettings(), candidate_window=1.0, candidate_threshold=0.0)
    wide = ProductSearch(PRODUCTS, HashingEncoder(), settings=settings)
    found = wide.search("revontuli")
    assert found.decision == "several" and len(found.products) == 4
    assert len(found.matches) == len(PRODUCTS)
    assert [m.score for m in found.matches] == sorted(
        (m.score for m in found.matches), reverse=True
    )


@pytest.mark.parametrize("text", ["onko teillä polkupyöriä", "do you sell bicycles", "", "   "])
def test_nothing_matches(search: ProductSearch, text: str) -> None:
    found = search.search(text)
    assert found.decision == "none" and found.products == () and found.product is None


@pytest.mark.parametrize(
    ("text", "product_id", "variant_sku"),
    [
        ("onko KO-VA45-M-GRN varastossa", "vaellus_45", "KO-VA45-M-GRN"),
        ("ko-tr-42-blk?", "trail_runner", "KO-TR-42-BLK"),
        ("KOTR42BLK", "trail_runner", "KO-TR-42-BLK"),
        ("tuote KO-KI9", "kiilo_900", None),  # a product SKU: no variant
    ],
)
def test_sku_is_an_exact_match(
    search: ProductSearch, text: str, product_id: str, variant_sku: str | None
) -> None:
    found = search.search(text)
    assert found.decision == "single" and found.product is not None
    assert found.product.id == product_id
    assert (found.variant.sku if found.variant else None) == variant_sku


def test_update_reindexes_only_when_the_catalogue_changes() -> None:
    encoder = HashingEncoder()
    search = ProductSearch(PRODUCTS[:5], encoder)
    calls = len(encoder.calls)
    assert search.update(list(PRODUCTS[:5])) is False
    assert len(encoder.calls) == calls
    assert search.update(PRODUCTS) is True
    assert search.products == tuple(PRODUCTS)
    assert search.search("Kiilo 900").product is not None


def test_product_embeddings_are_cached_on_disk(tmp_path: Path) -> None:
    cache = tmp_path / "shop.npz"
    first = HashingEncoder()
    ProductSearch(PRODUCTS, first, cache_path=cache)
    assert cache.exists() and sum(len(c) for c in first.calls) > len(PRODUCTS)
    second = HashingEncoder()
    search = ProductSearch(PRODUCTS, second, cache_path=cache)
    assert second.calls == []  # every product text came from the cache
    search.search("untuvatakki")
    assert second.calls == [["untuvatakki"]]  # only the question is embedded


def test_empty_catalogue() -> None:
    found = ProductSearch([], HashingEncoder()).search("untuvatakki")
    assert (found.decision, found.matches) == ("none", ())


@pytest.mark.parametrize(
    ("message_word", "name_word", "at_least"),
    [
        ("untuvatakkia", "untuvatakki", 0.9),  # partitive
        ("runnereita", "runner", 0.9),  # plural partitive of a loan word
        ("teltan", "teltta", 0.8),  # consonant gradation tt -> t
        ("rinkkoja", "rinkka", 0.8),
        ("untuvatakin", "untuvatakki", 0.8),
        ("vaelluskenkia", "vaelluskengat", 0.75),  # folded, changed ending
        ("vaelus", "vaellus", 0.75),  # typo
        ("trial", "trail", 0.75),  # transposition
        ("dunjackan", "dunjacka", 0.9),  # Swedish definite form
        ("takki", "untuvatakki", 0.4),  # the head of a compound name
        ("villapipoja", "pipo", 0.4),  # a compound of the name's word
    ],
)
def test_word_similarity(message_word: str, name_word: str, at_least: float) -> None:
    assert similarity(message_word, name_word) >= at_least


@pytest.mark.parametrize(
    ("message_word", "name_word"),
    [("sell", "shell"), ("tykkaan", "tykky"), ("45", "46"), ("about", "aalto"), ("kuin", "kuru")],
)
def test_words_that_do_not_match(message_word: str, name_word: str) -> None:
    assert similarity(message_word, name_word) < 0.4


def test_lexical_prefers_the_name_that_explains_the_message() -> None:
    matcher = NameMatcher(PRODUCTS)
    ids = [p.id for p in PRODUCTS]

    def score(text: str, product_id: str) -> float:
        return matcher.scores(text)[ids.index(product_id)]

    assert score("trail runner 42", "trail_runner") > score("trail runner 42", "trail_runner_gtx")
    assert score("trail runner gtx", "trail_runner_gtx") > score("trail runner gtx", "trail_runner")
    assert score("vaellus 45", "vaellus_45") > score("vaellus 45", "vaellus_65")
    assert score("onko lumikenkiä", "tunturi_mid") == 0.0


def test_the_words_of_a_stock_question_do_not_hide_the_product(search: ProductSearch) -> None:
    # the question's words dilute the name; without them the daypack is one clear product
    found = search.search("finns det daypack i lager")
    assert found.decision == "single" and found.product is not None
    assert found.product.id == "kuru_20"
    # candidates found with the whole question stay candidates
    assert search.search("finns det vandringsstavar i lager").decision == "several"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("revontuli", True),
        ("tents", True),
        ("kiilo 900", True),
        ("trail runner 42", True),
        ("revontulta punaisena", False),  # a colour: the wish says so
        ("missä tilaukseni on", False),
        ("do you have the Erä 3 tent", False),
    ],
)
def test_a_message_that_is_nothing_but_a_product_s_name(
    search: ProductSearch, text: str, named: bool
) -> None:
    found = search.search(text)
    assert found.decision != "none" or not named
    assert found.named is named
