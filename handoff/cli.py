"""``faqbot agent ...`` and ``faqbot handoff serve``: registered into the ``faqbot`` command."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import Any

from bot.language import LANGUAGES
from handoff.auth import MIN_PASSWORD_LENGTH, hash_password
from handoff.config import load_handoff_settings
from handoff.errors import HandoffError
from handoff.store import Store
from handoff.tickets import AgentProfile


def register(groups: Any) -> None:
    """Add the ``agent`` and ``handoff`` command groups to the ``faqbot`` parser."""
    agent = groups.add_parser("agent", help="manage agent console accounts").add_subparsers(
        dest="command", required=True
    )
    add = agent.add_parser("add", help="create an agent (or set a new password)")
    add.add_argument("name")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.add_argument(
        "--languages",
        type=_languages,
        help="languages the agent answers in, e.g. fi,sv (chats in them come first)",
    )
    add.add_argument(
        "--role",
        choices=("agent", "lead"),
        help="lead: may also see the insights and the forecast, and edit saved replies",
    )
    add.add_argument(
        "--keep-password",
        action="store_true",
        help="change only --languages/--role of an existing agent",
    )
    add.set_defaults(handler=guarded(_agent_add))
    agent.add_parser("list", help="list agents").set_defaults(handler=guarded(_agent_list))
    remove = agent.add_parser("remove", help="delete an agent")
    remove.add_argument("name")
    remove.set_defaults(handler=guarded(_agent_remove))

    handoff = groups.add_parser("handoff", help="the handoff service").add_subparsers(
        dest="command", required=True
    )
    serve = handoff.add_parser("serve", help="run the agent console and its API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=guarded(_serve))


def guarded(handler: Any) -> Any:
    """A command handler that prints a HandoffError as `error: ...` and exits 1."""

    def run(args: argparse.Namespace, _settings: object) -> int:
        try:
            return int(handler(args))
        except HandoffError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return run


def _store() -> Store:
    store = Store(load_handoff_settings().database_url)
    store.create_schema()
    return store


def _languages(value: str) -> tuple[str, ...]:
    codes = tuple(code.strip().lower() for code in value.split(",") if code.strip())
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown or not codes:
        raise argparse.ArgumentTypeError(
            f"use a comma-separated list of {', '.join(LANGUAGES)} (not {', '.join(unknown)})"
        )
    return codes


def _agent_add(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name or len(name) > 64:
        print("error: the name must be 1–64 characters", file=sys.stderr)
        return 2
    store = _store()
    if args.keep_password:
        if name not in store.list_agents():
            print(
                f"error: no agent called {name!r}; add it without --keep-password", file=sys.stderr
            )
            return 1
        _print_profile(store.set_agent_profile(name, role=args.role, languages=args.languages))
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ; nothing was changed", file=sys.stderr)
            return 2
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"error: use at least {MIN_PASSWORD_LENGTH} characters; nothing was changed",
            file=sys.stderr,
        )
        return 2
    created = store.add_agent(name, hash_password(password))
    print(f"agent {name} {'created' if created else 'has a new password (logged out everywhere)'}")
    if args.role is not None or args.languages is not None:
        _print_profile(store.set_agent_profile(name, role=args.role, languages=args.languages))
    return 0


def _print_profile(profile: AgentProfile) -> None:
    print(f"{profile.name}: {profile.role}, languages {','.join(profile.languages) or '-'}")


def _agent_list(_args: argparse.Namespace) -> int:
    store = _store()
    for name in store.list_agents():
        _print_profile(store.agent_profile(name))
    return 0


def _agent_remove(args: argparse.Namespace) -> int:
    if not _store().remove_agent(args.name):
        print(f"error: no agent called {args.name!r}", file=sys.stderr)
        return 1
    print(f"agent {args.name} removed")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # only the service needs it

    from handoff.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_handoff_settings()
    # a malformed URL fails here, clearly; a database that does not answer yet does not:
    # the service starts, /health reports it, and the tables are created once it answers
    Store(settings.database_url)
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level="warning", log_config=None
    )
    return 0
