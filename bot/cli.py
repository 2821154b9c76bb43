"""The ``faqbot`` command line: tools for content editors and for setting up the model."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import FaqbotError, FaqValidationError
from bot.faq.loader import Faq, load_faq
from bot.faq.schema import LANGUAGES
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.service import FaqService


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``faqbot`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
        if getattr(args, "faq", None):
            settings = settings.model_copy(update={"faq_dir": args.faq.resolve()})
        return int(args.handler(args, settings))
    except FaqValidationError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        print(f"\n{len(exc.problems)} problem(s); nothing was changed.", file=sys.stderr)
        return 1
    except FaqbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faqbot", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="settings file (faqbot.yml)")
    groups = parser.add_subparsers(dest="group", required=True)
    from handoff.cli import register  # the agent side's commands share the `faqbot` command

    register(groups)

    faq = groups.add_parser("faq", help="check, try and evaluate the FAQ").add_subparsers(
        dest="command", required=True
    )
    check = faq.add_parser("check", help="validate the FAQ files and show coverage")
    check.set_defaults(handler=_check)
    ask = faq.add_parser("ask", help="show what the bot does with a question")
    ask.add_argument("text", nargs="+")
    ask.add_argument("--lang", choices=LANGUAGES, help="the conversation's current language")
    ask.set_defaults(handler=_ask)
    evaluate = faq.add_parser("eval", help="accuracy on labelled questions (CASES.yml)")
    evaluate.add_argument("cases", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=_eval)
    calibrate = faq.add_parser("calibrate", help="suggest answer/clarify thresholds")
    calibrate.add_argument(
        "--offtopic",
        type=Path,
        default=Path("data/calibration/offtopic.yml"),
        help="messages that must not be answered",
    )
    calibrate.add_argument("--write", action="store_true", help="write them into faqbot.yml")
    calibrate.set_defaults(handler=_calibrate)
    for sub in (check, ask, evaluate, calibrate):
        sub.add_argument("--faq", type=Path, default=None, help="FAQ directory (data/faq)")

    model = groups.add_parser("model", help="the embedding model").add_subparsers(
        dest="command", required=True
    )
    prepare = model.add_parser("prepare", help="convert the built-in model once (cached)")
    prepare.add_argument("--force", action="store_true")
    prepare.set_defaults(handler=_prepare)

    shop = groups.add_parser("shop", help="the shop: stock, orders, restock emails").add_subparsers(
        dest="command", required=True
    )
    notify = shop.add_parser("notify", help="email sign-ups whose size/colour is back in stock")
    notify.add_argument("--dry-run", action="store_true", help="only list what would be sent")
    notify.add_argument("--db", type=Path, default=None, help="sign-ups ($FAQBOT_RESTOCK_DB)")
    notify.add_argument("--emails", type=Path, default=Path("data/shop/emails.yml"))
    notify.set_defaults(handler=_shop_notify)
    shop_eval = shop.add_parser("eval", help="product search accuracy on labelled questions")
    shop_eval.add_argument(
        "cases", type=Path, nargs="?", default=Path("tests/data/stock_cases.yml")
    )
    shop_eval.add_argument("--json", action="store_true", help="print one JSON object")
    shop_eval.add_argument("--data", type=Path, default=None, help="shop data (data/shop)")
    shop_eval.set_defaults(handler=_shop_eval)
    return parser


def _check(args: argparse.Namespace, settings: Settings) -> int:
    faq = load_faq(settings.faq_dir)
    for warning in faq.warnings:
        print(f"warning: {warning}")
    print(_coverage(faq))
    print(f"OK: {len(faq.entries)} entries in {settings.faq_dir}")
    return 0


def _coverage(faq: Faq) -> str:
    questions: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    for entry in faq.entries:
        for lang in LANGUAGES:
            questions[lang] += len(entry.questions.get(lang, ()))
            answers[lang] += lang in entry.answer
    total = len(faq.entries)
    lines = ["language  questions  answered entries"]
    for lang in LANGUAGES:
        share = answers[lang] / total if total else 0.0
        lines.append(f"{lang:<9} {questions[lang]:>9}  {answers[lang]:>4}/{total} ({share:.0%})")
    return "\n".join(lines)


def _service(settings: Settings) -> FaqService:
    from bot.service import FaqService

    service = FaqService(settings)
    service.warm_up()
    return service


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    reply = service.ask(" ".join(args.text), current_language=args.lang)
    print(f"language: {reply.language}")
    print(
        f"decision: {reply.decision.kind}"
        + (f" -> {', '.join(reply.decision.offered)}" if reply.decision.offered else "")
    )
    for match in reply.matches[:5]:
        entry = service.faq.get(match.id)
        question = entry.first_question(reply.language) if entry else ""
        print(f"  {match.score:.4f}  {match.id:<28} {question}")
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import format_table, load_cases, run_cases, summarise

    service = _service(settings)
    cases = load_cases(args.cases, {entry.id for entry in service.faq.entries})
    results = run_cases(service, cases)
    summary = summarise(results)
    if args.json:
        print(
            json.dumps(
                {"summary": summary, "cases": [r.as_json() for r in results]},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        print(format_table(summary))
    return 0


def _calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.calibration import calibrate, load_offtopic, write_thresholds

    service = _service(settings)
    result = calibrate(service.index, load_offtopic(args.offtopic), service.settings.policy)
    print(result.report())
    if args.write:
        path = args.config or Path("faqbot.yml")
        write_thresholds(path, result.policy)
        print(f"thresholds written to {path}")
    return 0


def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    from bot.model import prepare_model

    print(prepare_model(settings.model, force=args.force))
    return 0


def _shop_notify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.shop.notify import run

    return run(db=args.db, emails=args.emails, dry_run=args.dry_run)


def _shop_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.shop.evaluation import evaluate

    print(evaluate(args.cases, settings.model, data_dir=args.data, as_json=args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
