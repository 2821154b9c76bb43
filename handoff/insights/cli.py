"""``faqbot report``, ``faqbot picks`` and ``faqbot demo history``: registered into the
``faqbot`` command."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import FaqValidationError, FaqWriteError
from bot.faq.loader import load_faq
from bot.faq.settings import Settings
from bot.faq.writer import add_shopper_questions
from handoff.cli import guarded
from handoff.config import load_handoff_settings
from handoff.insights import demo, figures, picks
from handoff.insights.conversations import ConversationReader, tracker_url
from handoff.insights.service import Insights
from handoff.store import Store


def register(groups: Any) -> None:
    """Add the ``report`` command and the ``demo`` group to the ``faqbot`` parser."""
    report = groups.add_parser("report", help="insight figures of a period (as the console shows)")
    report.add_argument("--since", default="7d", help="the period up to --until: 24h, 7d, 8w (7d)")
    report.add_argument(
        "--until",
        type=datetime.fromisoformat,
        default=None,
        help="end of the period, ISO 8601 (default: now; UTC when no offset is given)",
    )
    form = report.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="everything as JSON")
    form.add_argument("--csv", action="store_true", help="one CSV row per slice")
    report.add_argument(
        "--unanswered", action="store_true", help="also cluster the unanswered questions (JSON)"
    )
    _demo_option(report)
    report.set_defaults(handler=_report)

    picks = groups.add_parser(
        "picks",
        help="questions shoppers picked an FAQ entry for from the buttons, to accept as phrasings",
    )
    picks.add_argument("--since", default="30d", help="the period up to now: 24h, 7d, 8w (30d)")
    picks.add_argument(
        "--min-times", type=int, default=1, help="only questions picked at least this often (1)"
    )
    picks.add_argument(
        "--write",
        action="store_true",
        help="add them to the entries' shopper_questions in the FAQ files (review with git diff)",
    )
    _demo_option(picks)
    picks.set_defaults(handler=_picks)

    group = groups.add_parser("demo", help="demo data").add_subparsers(
        dest="command", required=True
    )
    history = group.add_parser(
        "history", help="fill a separate demo database with weeks of traffic"
    )
    history.add_argument("--weeks", type=int, default=8)
    history.add_argument("--seed", type=int, default=14)
    history.add_argument("--dir", type=Path, default=demo.DEMO_DIR, help="where (.faqbot/demo)")
    history.set_defaults(handler=_history)


def _demo_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--demo",
        nargs="?",
        const=demo.DEMO_DIR,
        type=Path,
        default=None,
        help=f"read the demo history (default {demo.DEMO_DIR}) instead of the real databases",
    )


def open_insights(demo_dir: Path | None, settings: Settings | None = None) -> Insights:
    """The insights of the real databases, or of the demo history in ``demo_dir``."""
    handoff = load_handoff_settings()
    if demo_dir is not None:
        tracker, tickets = demo.demo_paths(demo_dir)
    else:
        tracker, tickets = tracker_url(), handoff.database_url
    store = Store(tickets)
    store.create_schema()
    return Insights(store, ConversationReader(tracker), handoff.opening_hours.timezone, settings)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    try:
        end = args.until
        if end is not None and end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        since, until = figures.period(figures.parse_since(args.since), end)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(guarded(lambda a: _print(a, settings, since, until))(args, settings))


def _print(args: argparse.Namespace, settings: Settings, since: datetime, until: datetime) -> int:
    insights = open_insights(args.demo, settings)
    found = insights.figures(since, until)
    if args.unanswered:
        found["unanswered"] = [c.as_json() for c in insights.clusters(since, until)]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    elif args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["dimension", "value", *figures.CSV_FIELDS, "escalations_by_reason"])
        for dimension, value, group in figures.slices(found):
            reasons = ";".join(f"{k}={v}" for k, v in group["escalations_by_reason"].items())
            writer.writerow([dimension, value, *(group[f] for f in figures.CSV_FIELDS), reasons])
    else:
        _text(found)
    return 0


def _picks(args: argparse.Namespace, settings: Settings) -> int:
    try:
        since, until = figures.period(figures.parse_since(args.since), None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.min_times < 1:
        print("error: --min-times must be at least 1", file=sys.stderr)
        return 2

    def show(args: argparse.Namespace) -> int:
        tracker = demo.demo_paths(args.demo)[0] if args.demo is not None else tracker_url()
        conversations = ConversationReader(tracker).conversations(since, until)
        try:
            faq = load_faq(settings.faq_dir)
        except FaqValidationError as exc:
            print("\n".join(f"error: {problem}" for problem in exc.problems), file=sys.stderr)
            return 1
        found = picks.suggestions(conversations, faq, args.min_times)
        if not args.write or not found:
            print(picks.as_yaml(found, faq, since, until), end="")
            return 0
        try:
            changed = add_shopper_questions(settings.faq_dir, picks.additions(found))
        except FaqWriteError as exc:
            print("\n".join(f"error: {problem}" for problem in exc.problems), file=sys.stderr)
            return 1
        entries = len({s.entry for s in found})
        print(f"added {len(found)} shopper questions to {entries} entries in:")
        print("\n".join(f"  {path}" for path in changed))
        print("review them (git diff), then run `faqbot faq check`; a running bot reloads the FAQ")
        return 0

    return int(guarded(show)(args, settings))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def _text(found: dict[str, Any]) -> None:
    period = found["period"]
    print(f"period {period['since'][:16]} .. {period['until'][:16]} (UTC)")
    for dimension, value, group in figures.slices(found):
        rate = group["self_service_rate"]
        thumbs = group["thumbs_up_rate"]
        print(
            f"{dimension:<8} {value:<10} conversations {group['conversations']:>6}  "
            f"messages {group['messages']:>6}  self-service "
            f"{'-' if rate is None else f'{rate:.1%}'}  escalations {group['tickets']}  "
            f"claim median/p90 {_seconds(group['time_to_claim_median_s'])}/"
            f"{_seconds(group['time_to_claim_p90_s'])}  "
            f"offline {group['offline_tickets']}  overflow {group['overflow_tickets']}  "
            f"thumbs up {'-' if thumbs is None else f'{thumbs:.0%}'}  "
            f"fallback/none/not really {group['fallbacks']}/{group['none_of_these']}/"
            f"{group['not_really']}"
        )
    print(
        "escalations by reason: "
        + ", ".join(f"{k} {v}" for k, v in found["all"]["escalations_by_reason"].items())
    )
    print(
        "most used FAQ entries: " + ", ".join(f"{e['id']} {e['answers']}" for e in found["top_faq"])
    )


def _history(args: argparse.Namespace, settings: Settings) -> int:
    if args.weeks < 1 or args.weeks > 104:
        print("error: --weeks must be 1..104", file=sys.stderr)
        return 2
    made = demo.generate(load_faq(settings.faq_dir), args.dir, args.weeks, args.seed)
    _tracker, tickets = demo.demo_paths(args.dir)
    print(
        f"demo history: {made.conversations} conversations, {made.events} events, "
        f"{made.tickets} tickets over {args.weeks} weeks in {args.dir}/ "
        "(your real data is untouched)\n"
        f"report:  faqbot report --demo --since 7d\n"
        f"console: FAQBOT_DATABASE_URL={tickets} FAQBOT_TRACKER_DB={args.dir / 'tracker.db'} "
        f"faqbot agent add NAME --role lead\n"
        f"         FAQBOT_DATABASE_URL={tickets} FAQBOT_TRACKER_DB={args.dir / 'tracker.db'} "
        f"faqbot handoff serve --port 8001   (then http://127.0.0.1:8001/insights)"
    )
    return 0
