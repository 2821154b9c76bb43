"""``faqbot shop eval``: product search and query extraction on labelled stock questions.

A case names the product the shopper means (an id, a list of ids any of which is right, or
``none`` when the catalogue has no such product) and optionally the size, colour and store the
message asks for::

    cases:
      - {text: "onko Vaellus 45 -reppua M-koossa?", lang: fi, expect: vaellus_45, size: M}
      - {text: "got any headlamps?", lang: en, expect: [kiilo_400, kiilo_900]}
      - {text: "do you sell bikes", lang: en, expect: none}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.cases import NONE, LabelledCase, per_language
from bot.errors import EvalCasesError
from bot.shop.query import QueryParser
from bot.shop.search import ProductSearch
from bot.yamlfile import read_yaml, validate

FIELDS = ("size", "colour", "store")


class StockCaseModel(LabelledCase):
    """One labelled stock question; ``expect`` holds product ids."""

    size: str | None = None
    colour: str | None = None
    store: str | None = None

    @field_validator("size", mode="before")
    @classmethod
    def _size_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class StockCasesFileModel(BaseModel):
    """A whole stock cases file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[StockCaseModel]


def load_stock_cases(
    path: Path, product_ids: set[str], location_ids: set[str]
) -> list[StockCaseModel]:
    """Load labelled cases; every product id and store must exist in the catalogue.

    Raises:
        EvalCasesError: listing every problem with ``file:line:col``.
    """
    doc = read_yaml(path)
    model = validate(doc, StockCasesFileModel)
    problems = list(doc.problems)
    raw_cases = doc.data.get("cases") if isinstance(doc.data, dict) else None
    for number, raw in enumerate(raw_cases if isinstance(raw_cases, list) else []):
        if not isinstance(raw, dict):
            continue
        expect = raw.get("expect")
        for expected in expect if isinstance(expect, list) else [expect]:
            if isinstance(expected, str) and expected != NONE and expected not in product_ids:
                problems.append(
                    f"{doc.where(('cases', number, 'expect'))}: cases[{number}].expect: "
                    f"unknown product id {expected!r}; use an id from products.yml or 'none'"
                )
        store = raw.get("store")
        if isinstance(store, str) and store not in location_ids:
            problems.append(
                f"{doc.where(('cases', number, 'store'))}: cases[{number}].store: unknown "
                f"location {store!r}; use one of {', '.join(sorted(location_ids))}"
            )
    if problems or model is None:
        raise EvalCasesError("\n".join(problems))
    return model.cases


@dataclass(frozen=True)
class StockCaseResult:
    """What search and extraction made of one case."""

    case: StockCaseModel
    decision: str
    offered: tuple[str, ...]
    matches: list[dict[str, Any]]
    found: dict[str, str | None]  # size, colour, store as extracted

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of one case."""
        return {
            "text": self.case.text,
            "lang": self.case.lang,
            "expect": list(self.case.expect),
            "decision": self.decision,
            "offered": list(self.offered),
            "matches": self.matches,
            "expected": {name: getattr(self.case, name) for name in FIELDS},
            "found": self.found,
        }


def run_stock_cases(
    search: ProductSearch, parser: QueryParser, cases: list[StockCaseModel], top: int = 5
) -> list[StockCaseResult]:
    """Search and parse every case."""
    results = []
    for case in cases:
        found = search.search(case.text)
        query = parser.parse(case.text)
        results.append(
            StockCaseResult(
                case=case,
                decision=found.decision,
                offered=tuple(p.id for p in found.products),
                matches=[
                    {"id": m.product.id, "score": round(m.score, 4)} for m in found.matches[:top]
                ],
                found={"size": query.size, "colour": query.colour, "store": query.store},
            )
        )
    return results


def summarise_stock(results: list[StockCaseResult]) -> dict[str, dict[str, float | int | None]]:
    """Per-language (and ``all``) figures; rates are fractions of the relevant cases."""
    return per_language(results, lambda result: result.case.lang, _figures)


def _rate(items: list[StockCaseResult], hit: Callable[[StockCaseResult], bool]) -> float:
    return round(sum(1 for r in items if hit(r)) / len(items), 4) if items else 0.0


def _figures(results: list[StockCaseResult]) -> dict[str, float | int | None]:
    with_product = [r for r in results if r.case.expect]
    without = [r for r in results if not r.case.expect]
    singles = [r for r in results if r.decision == "single"]

    def top1(r: StockCaseResult) -> bool:
        return bool(r.matches) and r.matches[0]["id"] in r.case.expect

    def offered_right(r: StockCaseResult) -> bool:
        return any(i in r.case.expect for i in r.offered)

    figures: dict[str, float | int | None] = {
        "cases": len(results),
        "with_product": len(with_product),
        "without_product": len(without),
        "top1": _rate(with_product, top1),
        "right_product_offered": _rate(with_product, offered_right),
        "single": _rate(with_product, lambda r: r.decision == "single"),
        "single_right": _rate(with_product, lambda r: r.decision == "single" and offered_right(r)),
        "single_precision": _rate(singles, offered_right),
        "several_with_right": _rate(
            with_product, lambda r: r.decision == "several" and offered_right(r)
        ),
        "none_but_product": _rate(with_product, lambda r: r.decision == "none"),
        "none_detected": _rate(without, lambda r: r.decision == "none"),
        "no_product_single": _rate(without, lambda r: r.decision == "single"),
    }
    for name in FIELDS:
        labelled = [r for r in results if getattr(r.case, name) is not None]
        figures[f"{name}_cases"] = len(labelled)
        right = sum(1 for r in labelled if r.found[name] == getattr(r.case, name))
        figures[f"{name}_accuracy"] = round(right / len(labelled), 4) if labelled else None
    figures["attributes_exact"] = _rate(
        results, lambda r: all(r.found[n] == getattr(r.case, n) for n in FIELDS)
    )
    return figures


def format_stock_table(summary: dict[str, dict[str, float | int | None]]) -> str:
    """A plain-text table of :func:`summarise_stock`, one column per language."""
    langs = list(summary)
    keys = list(next(iter(summary.values())))
    width = max(len(k) for k in keys) + 2
    lines = ["".ljust(width) + "".join(lang.rjust(9) for lang in langs)]
    for key in keys:
        cells = []
        for lang in langs:
            value = summary[lang][key]
            if value is None:
                cells.append("-".rjust(9))
            else:
                cells.append(f"{value:9.3f}" if isinstance(value, float) else f"{value:9d}")
        lines.append(key.ljust(width) + "".join(cells))
    return "\n".join(lines)


def evaluate(
    cases_path: Path, model: str, *, data_dir: Path | None = None, as_json: bool = False
) -> str:
    """Run ``cases_path`` against the embedded shop data with the real model; the report.

    Args:
        cases_path: the labelled cases (YAML).
        model: the embedding model setting (``faqbot.yml``'s ``model``).
        data_dir: the shop data; defaults to ``$FAQBOT_SHOP_DIR`` or ``data/shop``.
        as_json: a JSON object (``summary`` and ``cases``) instead of a table.
    """
    import json
    import sys

    from bot.cache import embeddings_file
    from bot.encoder import open_encoder
    from bot.shop.sqlite import SqliteShop

    shop = SqliteShop(data_dir)
    for warning in shop.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    products, locations = shop.products(), shop.locations()
    cases = load_stock_cases(cases_path, {p.id for p in products}, {loc.id for loc in locations})
    encoder = open_encoder(model)
    search = ProductSearch(products, encoder, cache_path=embeddings_file(encoder.name, "shop-"))
    parser = QueryParser(locations, products, shop.aliases())
    results = run_stock_cases(search, parser, cases)
    summary = summarise_stock(results)
    if as_json:
        payload = {"summary": summary, "cases": [r.as_json() for r in results]}
        return json.dumps(payload, ensure_ascii=False, indent=1)
    return format_stock_table(summary)
