"""``faqbot model prepare``: make the configured embedding model ready offline (cached)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.model import BUILTIN_MODEL, ModelChoice, prepare_model


def register(groups: Any) -> None:
    """Add the ``model`` command group to the ``faqbot`` parser."""
    model = groups.add_parser("model", help="the embedding model").add_subparsers(
        dest="command", required=True
    )
    prepare = model.add_parser(
        "prepare",
        help="check the built-in C engine loads, or convert the model for torch once (cached)",
    )
    prepare.add_argument("--force", action="store_true", help="convert again")
    prepare.set_defaults(handler=_prepare)


def _prepare(args: argparse.Namespace, settings: ModelChoice) -> int:
    if settings.model == BUILTIN_MODEL:
        from bot.encoder import NativeEncoder

        encoder = NativeEncoder()  # nothing to convert: load it once to prove it runs here
        print(f"{encoder.name}: {prepare_model(BUILTIN_MODEL)}")
        return 0
    print(prepare_model(settings.model, force=args.force))
    return 0
