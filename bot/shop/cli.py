"""``faqbot shop ...``: restock emails and product search accuracy."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.model import ModelChoice

if TYPE_CHECKING:
    from bot.shop.order_notify import ChatSender
from bot.shop.notify import DEFAULT_EMAILS

# How order updates reach chats: set by faqbot.py (the Rasa client lives outside bot/).
CHAT_SENDERS: list[Callable[[], ChatSender | None]] = []


def register(groups: Any) -> None:
    """Add the ``shop`` command group to the ``faqbot`` parser."""
    shop = groups.add_parser("shop", help="the shop: stock, orders, restock emails").add_subparsers(
        dest="command", required=True
    )
    notify = shop.add_parser(
        "notify", help="restock emails and order updates (email, SMS, chat); run it from cron"
    )
    notify.add_argument("--dry-run", action="store_true", help="only list what would be sent")
    notify.add_argument("--db", type=Path, default=None, help="sign-ups ($FAQBOT_RESTOCK_DB)")
    notify.add_argument("--emails", type=Path, default=DEFAULT_EMAILS)
    notify.add_argument(
        "--orders-db", type=Path, default=None, help="order updates ($FAQBOT_ORDER_UPDATES_DB)"
    )
    notify.set_defaults(handler=_notify)
    evaluate = shop.add_parser("eval", help="product search accuracy on labelled questions")
    evaluate.add_argument("cases", type=Path, nargs="?", default=Path("tests/data/stock_cases.yml"))
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--data", type=Path, default=None, help="shop data (data/shop)")
    evaluate.set_defaults(handler=_eval)


def _notify(args: argparse.Namespace, settings: ModelChoice) -> int:
    from bot.shop import order_notify
    from bot.shop.notify import run

    restock = run(db=args.db, emails=args.emails, dry_run=args.dry_run)
    chat = CHAT_SENDERS[0]() if CHAT_SENDERS else None
    orders = order_notify.run(
        db=args.orders_db, emails=args.emails, dry_run=args.dry_run, chat=chat
    )
    return max(restock, orders)


def _eval(args: argparse.Namespace, settings: ModelChoice) -> int:
    from bot.shop.evaluation import evaluate

    print(evaluate(args.cases, settings.model, data_dir=args.data, as_json=args.json))
    return 0
