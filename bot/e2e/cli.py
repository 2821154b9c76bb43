"""``faqbot eval e2e``: labelled questions through a running bot, as shoppers meet it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.faq.settings import Settings

DEFAULT_DOMAIN = Path("domain.yml")


def register(groups: Any) -> None:
    """Add the ``eval`` command group to the ``faqbot`` parser."""
    group = groups.add_parser("eval", help="evaluate the whole running bot").add_subparsers(
        dest="command", required=True
    )
    e2e = group.add_parser(
        "e2e",
        help="send labelled questions to a running bot (REST channel) and classify its replies",
    )
    e2e.add_argument("cases", type=Path, help="CASES.yml (as for faqbot faq eval / shop eval)")
    e2e.add_argument("--url", required=True, help="the Rasa server, e.g. http://127.0.0.1:5005")
    e2e.add_argument("--stock", action="store_true", help="the cases are stock questions")
    e2e.add_argument("--json", action="store_true", help="print one JSON object")
    e2e.add_argument("--faq", type=Path, default=None, help="FAQ directory (faqbot.yml's)")
    e2e.add_argument("--domain", type=Path, default=DEFAULT_DOMAIN, help="the bot's domain.yml")
    e2e.add_argument("--shop-data", type=Path, default=None, help="shop data (data/shop)")
    e2e.add_argument("--workers", type=_workers, default=4, help="messages in flight (1-16)")
    e2e.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a reply")
    e2e.set_defaults(handler=_e2e)


def _workers(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 16:
        raise argparse.ArgumentTypeError("must be between 1 and 16")
    return number


def _e2e(args: argparse.Namespace, settings: Settings) -> int:
    from bot.e2e.client import RestClient
    from bot.e2e.evaluation import format_table, run_cases, summarise_faq, summarise_stock
    from bot.e2e.replies import ReplyClassifier
    from bot.faq.evaluation import load_cases
    from bot.faq.loader import load_faq
    from bot.responses import ResponseRecogniser, load_responses

    client = RestClient(args.url, timeout=(5.0, args.timeout))
    faq = load_faq(args.faq or settings.faq_dir)
    recogniser = ResponseRecogniser(load_responses(args.domain))
    if args.stock:
        from bot.shop.catalog import load_catalog, shop_data_dir
        from bot.shop.evaluation import load_stock_cases

        catalog = load_catalog(args.shop_data or shop_data_dir())
        stock_cases = load_stock_cases(
            args.cases, {p.id for p in catalog.products}, {loc.id for loc in catalog.locations}
        )
        classifier = ReplyClassifier(faq, recogniser, catalog.products)
        results = run_cases(client, stock_cases, classifier.stock, args.workers)
        summary = summarise_stock(results)
    else:
        cases = load_cases(args.cases, {entry.id for entry in faq.entries})
        classifier = ReplyClassifier(faq, recogniser)
        results = run_cases(client, cases, classifier.faq, args.workers)
        summary = summarise_faq(results)
    if args.json:
        report = {"summary": summary, "cases": [r.as_json() for r in results]}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_table(summary))
    return 0
