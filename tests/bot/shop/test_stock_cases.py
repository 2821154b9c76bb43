"""The labelled stock questions: valid, big enough, kept out of data/shop; the eval runs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.errors import EvalCasesError
from bot.shop.catalog import load_catalog
from bot.shop.evaluation import (
    StockCaseModel,
    StockCaseResult,
    format_stock_table,
    load_stock_cases,
    run_stock_cases,
    summarise_stock,
)
from bot.shop.query import QueryParser
from bot.shop.search import ProductSearch
from faqbot import main
from tests.conftest import ROOT, write
from tests.fakes import HashingEncoder

CASES = ROOT / "tests" / "data" / "stock_cases.yml"
DEV = ROOT / "tests" / "data" / "stock_dev.yml"
CATALOG = load_catalog(ROOT / "data" / "shop")
PRODUCT_IDS = {p.id for p in CATALOG.products}
LOCATION_IDS = {loc.id for loc in CATALOG.locations}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_labelled_set_is_valid_and_big_enough() -> None:
    cases = load_stock_cases(CASES, PRODUCT_IDS, LOCATION_IDS)
    with_product = Counter(c.lang for c in cases if c.expect)
    without = Counter(c.lang for c in cases if not c.expect)
    for lang in ("fi", "sv", "en"):
        assert with_product[lang] >= 45, lang
        assert without[lang] >= 8, lang
    assert len({_norm(c.text) for c in cases}) == len(cases), "duplicate questions"


def test_labelled_questions_never_appear_in_the_shop_data() -> None:
    """A case identical to a product name or description would inflate the figures."""
    shop_texts = {
        _norm(text)
        for product in CATALOG.products
        for texts in (product.name, product.description)
        for text in texts.values()
    }
    for path in (CASES, DEV):
        cases = load_stock_cases(path, PRODUCT_IDS, LOCATION_IDS)
        overlap = sorted(c.text for c in cases if _norm(c.text) in shop_texts)
        assert overlap == [], path


def test_dev_list_is_separate_from_the_labelled_set() -> None:
    labelled = {_norm(c.text) for c in load_stock_cases(CASES, PRODUCT_IDS, LOCATION_IDS)}
    dev = load_stock_cases(DEV, PRODUCT_IDS, LOCATION_IDS)
    assert [c.text for c in dev if _norm(c.text) in labelled] == []


def test_bad_cases_are_reported_with_positions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cases.yml",
        """\
        cases:
          - {text: "onko", lang: fi, expect: nope}
          - {text: "hej", lang: sv, expect: none, store: stockholm}
          - {text: "hi", lang: de, expect: none}
        """,
    )
    with pytest.raises(EvalCasesError) as caught:
        load_stock_cases(path, PRODUCT_IDS, LOCATION_IDS)
    message = str(caught.value)
    assert f"{path}:2:38: cases[0].expect: unknown product id 'nope'" in message
    assert f"{path}:3:50: cases[1].store: unknown location 'stockholm'" in message
    assert f"{path}:4:24: cases[2].lang: unknown value 'de'" in message


def test_eval_figures_with_the_fake_encoder() -> None:
    cases = load_stock_cases(DEV, PRODUCT_IDS, LOCATION_IDS)
    search = ProductSearch(CATALOG.products, HashingEncoder())
    parser = QueryParser(CATALOG.locations, CATALOG.products, CATALOG.aliases)
    results = run_stock_cases(search, parser, cases)
    summary = summarise_stock(results)
    assert list(summary) == ["fi", "sv", "en", "all"]
    everything = summary["all"]
    assert everything["cases"] == len(cases)
    assert everything["with_product"] + everything["without_product"] == len(cases)
    assert everything["size_accuracy"] == 1.0  # extraction does not depend on the encoder
    table = format_stock_table(summary)
    assert table.splitlines()[0].split() == ["fi", "sv", "en", "all"]
    assert "top1" in table and "none_detected" in table
    first = results[0].as_json()
    assert set(first) == {
        "text",
        "lang",
        "expect",
        "decision",
        "offered",
        "matches",
        "expected",
        "found",
    }
    assert first["decision"] in ("single", "several", "none")


def test_cli_shop_eval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("bot.encoder.open_encoder", lambda name: HashingEncoder())
    path = write(
        tmp_path / "cases.yml",
        """\
        cases:
          - {text: "Kiilo 900 otsalamppu mustana", lang: fi, expect: kiilo_900, colour: black}
          - {text: "do you sell bicycles", lang: en, expect: none}
        """,
    )
    assert main(["--config", str(ROOT / "faqbot.yml"), "shop", "eval", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["all"]["cases"] == 2
    assert report["summary"]["fi"]["colour_accuracy"] == 1.0
    assert report["cases"][0]["offered"] == ["kiilo_900"]
    assert report["cases"][1]["decision"] == "none"
    assert main(["--config", str(ROOT / "faqbot.yml"), "shop", "eval", str(path)]) == 0
    assert "top1" in capsys.readouterr().out


def _result(expect: list[str], decision: str, offered: list[str], **sizes: str) -> StockCaseResult:
    """A hand-made result: ``size``/``found_size`` label and extract a size."""
    case = StockCaseModel(text="x", lang="en", expect=expect or "none", size=sizes.get("size"))
    return StockCaseResult(
        case=case,
        decision=decision,
        offered=tuple(offered),
        matches=[{"id": product} for product in offered],
        found={"size": sizes.get("found_size"), "colour": None, "store": None},
    )


def test_figures_count_what_happened() -> None:
    results = [
        _result(["p1"], "single", ["p1"], size="42", found_size="42"),  # right at once
        _result(["p2"], "several", ["p3", "p2"], size="40", found_size="41"),  # right 2nd
        _result(["p1"], "none", []),  # missed a product
        _result([], "none", []),  # rightly found nothing
    ]
    figures = summarise_stock(results)["all"]
    third = round(1 / 3, 4)
    assert figures == {
        "cases": 4,
        "with_product": 3,
        "without_product": 1,
        "top1": third,
        "right_product_offered": round(2 / 3, 4),
        "single": third,
        "single_right": third,
        "single_precision": 1.0,
        "several_with_right": third,
        "none_but_product": third,
        "none_detected": 1.0,
        "no_product_single": 0.0,
        "size_cases": 2,
        "size_accuracy": 0.5,
        "colour_cases": 0,
        "colour_accuracy": None,
        "store_cases": 0,
        "store_accuracy": None,
        "attributes_exact": 0.75,
    }
