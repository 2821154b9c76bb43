"""The ``faqbot`` command: one entry point above the packages it serves.

Each package registers its own command group: ``faq`` (:mod:`bot.faq.cli`), ``shop``
(:mod:`bot.shop.cli`), ``model`` (:mod:`bot.model.cli`), ``eval`` (:mod:`bot.e2e.cli`),
``agent`` and ``handoff`` (:mod:`handoff.cli`), ``privacy`` (:mod:`handoff.privacy_cli`),
``report`` and ``demo`` (:mod:`handoff.insights.cli`). Every
handler is called as ``handler(args, settings)`` with the settings of ``faqbot.yml`` (or
``--config``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.e2e import cli as e2e_cli
from bot.errors import FaqbotError, FaqValidationError
from bot.faq import cli as faq_cli
from bot.faq.settings import load_settings
from bot.model import cli as model_cli
from bot.shop import cli as shop_cli
from handoff import cli as handoff_cli
from handoff import forecast_cli, privacy_cli
from handoff.insights import cli as insights_cli


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``faqbot`` console script."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args, load_settings(args.config)))
    except FaqValidationError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        print(f"\n{len(exc.problems)} problem(s); nothing was changed.", file=sys.stderr)
        return 1
    except FaqbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    """The ``faqbot`` argument parser with every package's command group."""
    root = argparse.ArgumentParser(
        prog="faqbot", description="faqbot: trilingual customer-service assistant for web shops."
    )
    root.add_argument("--config", type=Path, default=None, help="settings file (faqbot.yml)")
    groups = root.add_subparsers(dest="group", required=True)
    for module in (
        faq_cli,
        shop_cli,
        model_cli,
        e2e_cli,
        handoff_cli,
        privacy_cli,
        forecast_cli,
        insights_cli,
    ):
        module.register(groups)
    if not shop_cli.CHAT_SENDERS:  # order updates reach chats through Rasa (bot/ can't import it)
        from handoff.order_chat import RasaOrderChat

        shop_cli.CHAT_SENDERS.append(RasaOrderChat.from_env)
    return root


if __name__ == "__main__":
    sys.exit(main())
