"""Rasa and the action server on free ports with fresh stores, as most integration tests start
them (the handoff tests start the handoff service too: tests/integration/handoff_stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.stack import Stack, free_port


def new_stack(state: Path, **options: Any) -> Stack:
    """A stack on free ports (not started) whose trackers and tickets are fresh SQLite files in
    ``state``; ``options`` go to :class:`scripts.stack.Stack` (``faq_dir``, ``handoff_port``,
    ``database_url`` ...) and win over these defaults."""
    defaults: dict[str, Any] = {
        "rasa_port": free_port(),
        "actions_port": free_port(),
        "token": "test-token",
        "log_dir": state / "logs",
        "tracker_db": state / "tracker.db",
        "database_url": f"sqlite:///{state / 'handoff.db'}",
    }
    return Stack(**{**defaults, **options})


@contextmanager
def bot_stack(state: Path, **options: Any) -> Iterator[Stack]:
    """:func:`new_stack`, started; stopped on exit."""
    stack = new_stack(state, **options)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
