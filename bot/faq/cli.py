"""``faqbot faq ...``: check, try, evaluate and calibrate the FAQ (tools for content editors)."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.faq.loader import Faq, load_faq
from bot.faq.settings import Settings
from bot.language import LANGUAGES

MIN_PHRASINGS = 2
"""Fewer questions than this in a language is warned about by ``faqbot faq check``."""

if TYPE_CHECKING:
    from bot.faq.service import FaqService


def register(groups: Any) -> None:
    """Add the ``faq`` command group to the ``faqbot`` parser."""
    faq = groups.add_parser("faq", help="check, try and evaluate the FAQ").add_subparsers(
        dest="command", required=True
    )
    check = faq.add_parser("check", help="validate the FAQ files and show coverage")
    check.add_argument(
        "--quick", action="store_true", help="only validate (no model: no expected rates)"
    )
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
    sparse = faq.add_parser(
        "sparse", help="copy the FAQ with at most N phrasings per language (as a shop writes it)"
    )
    sparse.add_argument("out", type=Path, help="an empty folder for the copy")
    sparse.add_argument("--phrasings", type=int, default=2, help="per language per entry (2)")
    sparse.set_defaults(handler=_sparse)
    for sub in (check, ask, evaluate, calibrate, sparse):
        sub.add_argument("--faq", type=Path, default=None, help="FAQ directory (data/faq)")


def _check(args: argparse.Namespace, settings: Settings) -> int:
    settings = _with_faq_dir(args, settings)
    faq = load_faq(settings.faq_dir)
    for warning in faq.warnings:
        print(f"warning: {warning}")
    for entry in faq.entries:
        few = [
            lang
            for lang in LANGUAGES
            if len(entry.questions.get(lang, ())) + len(entry.shopper_questions.get(lang, ()))
            < MIN_PHRASINGS
        ]
        if few:
            print(
                f"warning: {entry.source}: {entry.id} has fewer than {MIN_PHRASINGS} questions "
                f"in {', '.join(few)}; add the ways shoppers ask it (`faqbot picks` "
                "lists the questions shoppers picked it for)"
            )
    print(_coverage(faq))
    print(f"OK: {len(faq.entries)} entries in {settings.faq_dir}")
    if not args.quick:
        print(_expected(args, settings))
    return 0


def _expected(args: argparse.Namespace, settings: Settings) -> str:
    """What the bot will do with the FAQ's own questions and with off-topic messages."""
    from bot.faq.calibration import calibrate, load_offtopic

    service = _service(args, settings)
    thresholds = service.thresholds
    policy = thresholds.policy
    result = calibrate(
        service.index.editors_only(), load_offtopic(settings.offtopic_messages), policy
    )
    rates = result.rates(policy)
    lines = [
        f"thresholds ({thresholds.source}): answer {policy.answer_threshold} "
        f"(margin {policy.answer_margin}), clarify {policy.clarify_threshold}",
        f"expected, each FAQ question asked with itself left out ({len(result.positives)}): "
        f"answered right {rates['answered_correct']:.0%}, answered wrong "
        f"{rates['answered_wrong']:.0%}, clarified {rates['clarified']:.0%}, "
        f"fallback {rates['fallback']:.0%}",
        f"expected, off-topic messages ({len(result.negatives)}): answered "
        f"{rates['offtopic_answered']:.0%}, clarified {rates['offtopic_clarified']:.0%}",
    ]
    for entry, taken_for, times in result.confused()[:10]:
        lines.append(
            f"warning: questions of {entry} are taken for {taken_for} ({times}x); "
            "make their questions or answers tell them apart"
        )
    return "\n".join(lines)


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


def _with_faq_dir(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with ``--faq`` as the FAQ directory, when given."""
    if args.faq is None:
        return settings
    return settings.model_copy(update={"faq_dir": args.faq.resolve()})


def _service(args: argparse.Namespace, settings: Settings) -> FaqService:
    from bot.faq.service import FaqService

    service = FaqService(_with_faq_dir(args, settings))
    service.warm_up()
    return service


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(args, settings)
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
    from bot.faq.evaluation import format_table, load_cases, run_cases, summarise

    service = _service(args, settings)
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
    from bot.faq.calibration import calibrate, load_offtopic, write_thresholds

    service = _service(args, settings)
    result = calibrate(
        service.index.editors_only(), load_offtopic(args.offtopic), service.settings.policy
    )
    print(result.report())
    if args.write:
        path = args.config or Path("faqbot.yml")
        write_thresholds(path, result.policy)
        print(f"thresholds written to {path}")
    return 0


def _sparse(args: argparse.Namespace, settings: Settings) -> int:
    from bot.faq.sparse import write_sparse_faq

    source = _with_faq_dir(args, settings).faq_dir
    kept = write_sparse_faq(source, args.out, args.phrasings)
    print(f"{kept} questions ({args.phrasings} per language per entry at most) in {args.out}")
    return 0
