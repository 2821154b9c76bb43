"""Restart the stack's crashed children with exponential backoff, for `make run`.

A child that exits (a crash, ``kill -9``, the OOM killer) is started again after 1 s, then 2 s,
4 s … up to :attr:`Supervisor.cap` while it keeps dying; once it has stayed up for
:attr:`Supervisor.stable_after` seconds, its next crash starts from 1 s again. Every exit and
restart is logged with the reason and the tail of the child's log. Standard library only.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Supervised(Protocol):
    """What the supervisor needs of :class:`stack.Stack`."""

    def dead(self) -> list[Any]:
        """Services whose process has exited."""

    def restart(self, name: str) -> Any:
        """Start an exited service again."""


def exit_reason(returncode: int) -> str:
    """``exited with code 1`` / ``was killed by SIGKILL``."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Supervisor:
    """Call :meth:`check` every half second or so; it never blocks."""

    stack: Supervised
    initial: float = 1.0
    cap: float = 30.0
    stable_after: float = 60.0
    log: Callable[[str], None] = _stderr
    clock: Callable[[], float] = time.monotonic
    _delay: dict[str, float] = field(default_factory=dict)  # the next crash's wait
    _restart_at: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def check(self) -> None:
        """Note newly exited children; restart those whose wait is over."""
        now = self.clock()
        for service in self.stack.dead():
            name = service.name
            if name not in self._restart_at:
                self._schedule(service, now)
            elif now >= self._restart_at[name]:
                del self._restart_at[name]
                restarted = self.stack.restart(name)
                self.restarts[name] = self.restarts.get(name, 0) + 1
                self.log(f"{name} restarted (pid {restarted.process.pid})")

    def _schedule(self, service: Any, now: float) -> None:
        name = service.name
        up_for = now - service.started
        stayed_up = up_for >= self.stable_after
        delay = self.initial if stayed_up else self._delay.get(name, self.initial)
        self._delay[name] = min(delay * 2, self.cap)
        self._restart_at[name] = now + delay
        self.log(
            f"\n{name} {exit_reason(service.process.returncode)} after {up_for:.0f} s up; "
            f"restarting it in {delay:g} s. The end of {service.log_path}:\n"
            f"{service.log_tail()}"
        )
