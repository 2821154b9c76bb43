"""Whether a call on a huge input finishes, without timing it: a positive signal with a deadline.

The call runs in a fresh process (a regular expression holds the GIL, so a thread could not be
given up on). The process signals once it has imported everything, then again when the call
returned; only the second wait has the deadline, so a slow start on a busy machine does not
count. Linear code on the inputs used in the tests takes milliseconds, the quadratic code it
replaced minutes, so a deadline of several seconds tells them apart with a wide margin.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.synchronize import Event
from typing import Any

DEADLINE = 15.0  # seconds for the call itself
START_DEADLINE = 120.0  # seconds for the process to import the module


def finishes(function: Callable[..., Any], *args: Any, seconds: float = DEADLINE) -> bool:
    """Whether ``function(*args)`` returns within ``seconds`` (after a warm-up call).

    Args:
        function: a module-level function (it is imported again in the child process).
        args: its arguments; the first one alone, cut to one character when it is a string,
            is the warm-up call.
    """
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    warm = tuple(a[:1] if isinstance(a, str) else a for a in args)
    process = context.Process(
        target=_child,
        args=(function.__module__, function.__qualname__, args, warm, ready, done),
        daemon=True,
    )
    process.start()
    try:
        if not ready.wait(START_DEADLINE):
            raise RuntimeError(f"the child process did not start in {START_DEADLINE:.0f} s")
        return done.wait(seconds)
    finally:
        process.kill()
        process.join()


def _child(
    module: str,
    name: str,
    args: tuple[Any, ...],
    warm: tuple[Any, ...],
    ready: Event,
    done: Event,
) -> None:
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    function(*warm)
    ready.set()
    function(*args)
    done.set()
