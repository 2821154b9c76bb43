"""``faqbot privacy forget|purge``: registered into the ``faqbot`` command."""

from __future__ import annotations

import argparse
from typing import Any

from handoff.cli import guarded
from handoff.config import load_handoff_settings
from handoff.privacy import DataStores, Report, forget, parse_target, purge


def register(groups: Any) -> None:
    """Add the ``privacy`` command group to the ``faqbot`` parser."""
    privacy = groups.add_parser(
        "privacy", help="forget a person; purge data past the retention period"
    ).add_subparsers(dest="command", required=True)
    forget_cmd = privacy.add_parser(
        "forget",
        help="delete or anonymise everything about one email address or conversation (sender)",
    )
    forget_cmd.add_argument("target", metavar="EMAIL|SENDER")
    forget_cmd.add_argument(
        "--sender", action="store_true", help="TARGET is a conversation id even if it has an @"
    )
    forget_cmd.add_argument("--dry-run", action="store_true", help="count, change nothing")
    forget_cmd.set_defaults(handler=guarded(_forget))
    purge_cmd = privacy.add_parser(
        "purge", help="remove data older than privacy.retention_days (handoff.yml)"
    )
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, change nothing")
    purge_cmd.set_defaults(handler=guarded(_purge))


def _forget(args: argparse.Namespace) -> int:
    target = parse_target(args.target, sender=args.sender)
    stores = DataStores.from_environment(load_handoff_settings())
    try:
        report = forget(target, stores, dry_run=args.dry_run)
    finally:
        stores.close()
    print(f"conversations: {', '.join(sorted(report.senders)) or 'none'}")
    print(f"email addresses: {', '.join(sorted(report.emails)) or 'none'}")
    _print(report)
    return 0


def _purge(args: argparse.Namespace) -> int:
    settings = load_handoff_settings()
    stores = DataStores.from_environment(settings)
    try:
        report = purge(stores, settings.privacy.retention_days, dry_run=args.dry_run)
    finally:
        stores.close()
    print(f"retention: {settings.privacy.retention_days} days")
    _print(report)
    return 0


def _print(report: Report) -> None:
    for line in report.lines():
        print(line)
    if report.dry_run:
        print("dry run: nothing was changed")
