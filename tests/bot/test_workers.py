"""The worker pool: a burst queues on its own threads while other blocking work still runs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.workers import WorkerPool, default_workers

DEADLINE = 60.0  # seconds to wait for a positive signal (never asserted as a speed)


class Gate:
    """A blocking call that waits until the test opens the gate, counting calls at once."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def call(self, value: int) -> int:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            if not self.open.wait(DEADLINE):
                raise TimeoutError("the gate was never opened")
            return value * 2
        finally:
            with self._lock:
                self.running -= 1


def test_a_burst_queues_in_the_pool_and_other_work_still_runs() -> None:
    pool, gate = WorkerPool(2, "test-embed"), Gate()
    burst = 40  # more than asyncio's default executor has threads (at most 32)

    async def scenario() -> tuple[str, list[int]]:
        calls = [asyncio.ensure_future(pool.run(gate.call, n)) for n in range(burst)]
        # the default executor, where the other actions' blocking work runs, is still free
        other = await asyncio.wait_for(asyncio.to_thread(lambda: "escalated"), DEADLINE)
        assert not any(call.done() for call in calls)  # the burst is still waiting
        gate.open.set()
        return other, list(await asyncio.gather(*calls))

    try:
        other, results = asyncio.run(scenario())
    finally:
        gate.open.set()
        pool.shutdown()
    assert other == "escalated"
    assert results == [n * 2 for n in range(burst)]  # every one answered, none dropped
    assert gate.most == 2


def test_errors_reach_the_caller() -> None:
    pool = WorkerPool(1, "test-errors")

    def fails() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        asyncio.run(pool.run(fails))
    assert asyncio.run(pool.run(sorted, [3, 1, 2], reverse=True)) == [3, 2, 1]
    pool.shutdown()


def test_pool_size() -> None:
    assert 1 <= default_workers() <= 2
    with pytest.raises(ValueError, match="at least one worker"):
        WorkerPool(0, "none")
