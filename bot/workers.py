"""A fixed number of threads for one kind of heavy work, awaited from an event loop.

The action server runs every action on one event loop and sends blocking work to threads. With
``asyncio.to_thread`` all of it shares the loop's default executor (a handful of threads), so a
burst of questions, each waiting its turn for the embedding model, would take every thread and
leave a language step or an escalation waiting behind them. A :class:`WorkerPool` of its own
for the embedding keeps such a burst to its own threads: the questions queue (none is dropped)
and everything else still runs.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def default_workers() -> int:
    """One worker per core, at most 2: the embedding is CPU-bound and the cores are shared."""
    return max(1, min(2, os.cpu_count() or 1))


class WorkerPool:
    """``workers`` threads; calls beyond them wait in an unbounded queue, in order.

    Args:
        workers: how many calls run at once.
        name: the threads' name prefix (seen in stack dumps and profilers).
    """

    def __init__(self, workers: int, name: str) -> None:
        if workers < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {workers}")
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on one of the pool's threads and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Finish the calls already queued, then stop the threads."""
        self._executor.shutdown(wait=True)
