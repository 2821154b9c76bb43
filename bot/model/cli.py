"""``faqbot model prepare``: convert the built-in embedding model once (cached)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.model import ModelChoice, prepare_model


def register(groups: Any) -> None:
    """Add the ``model`` command group to the ``faqbot`` parser."""
    model = groups.add_parser("model", help="the embedding model").add_subparsers(
        dest="command", required=True
    )
    prepare = model.add_parser("prepare", help="convert the built-in model once (cached)")
    prepare.add_argument("--force", action="store_true")
    prepare.set_defaults(handler=_prepare)


def _prepare(args: argparse.Namespace, settings: ModelChoice) -> int:
    print(prepare_model(settings.model, force=args.force))
    return 0
