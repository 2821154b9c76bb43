"""Rasa and the action server on free ports with fresh stores, as most integration tests start
them (the handoff tests start the handoff service too: tests/integration/handoff_stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.stack import Stack, free_port


@contextmanager
def bot_stack(state: Path, **options: Any) -> Iterator[Stack]:
    """A started stack whose trackers and tickets are fresh SQLite files in ``state``; ``options``
    go to :class:`scripts.stack.Stack` (``faq_dir``, ``handoff_config`` ...). Stopped on exit."""
    stack = Stack(
        rasa_port=free_port(),
        actions_port=free_port(),
        token="test-token",
        log_dir=state / "logs",
        tracker_db=state / "tracker.db",
        database_url=f"sqlite:///{state / 'handoff.db'}",
        **options,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
