"""scripts/supervisor.py: crashed children come back, with backoff, and say why they died."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from scripts.stack import Stack
from scripts.supervisor import Supervisor, exit_reason


@dataclass
class FakeProcess:
    returncode: int | None = None
    pid: int = 1


@dataclass
class FakeService:
    name: str
    started: float
    process: FakeProcess = field(default_factory=FakeProcess)
    log_path: Path = Path("actions.log")

    def log_tail(self) -> str:
        return "Traceback: out of memory"


@dataclass
class FakeStack:
    """Services that die whenever the test says so; the clock is the test's too."""

    now: float = 0.0
    services: dict[str, FakeService] = field(default_factory=dict)

    def dead(self) -> list[FakeService]:
        return [s for s in self.services.values() if s.process.returncode is not None]

    def restart(self, name: str) -> FakeService:
        self.services[name] = FakeService(name, started=self.now)
        return self.services[name]

    def crash(self, name: str) -> None:
        self.services[name].process.returncode = -signal.SIGKILL


def _supervisor(stack: FakeStack, lines: list[str]) -> Supervisor:
    return Supervisor(stack, log=lines.append, clock=lambda: stack.now)


def _waits_after_crashes(stack: FakeStack, supervisor: Supervisor, crashes: int) -> list[float]:
    """Crash the action server ``crashes`` times right after each restart; the waits."""
    waits = []
    for _ in range(crashes):
        stack.crash("actions")
        supervisor.check()
        crashed_at, before = stack.now, supervisor.restarts.get("actions", 0)
        while supervisor.restarts.get("actions", 0) == before:
            stack.now += 0.5
            supervisor.check()
        waits.append(stack.now - crashed_at)
    return waits


def test_a_crashing_child_is_restarted_with_doubling_waits_up_to_the_cap() -> None:
    stack, lines = FakeStack(), []
    stack.services["actions"] = FakeService("actions", started=0.0)
    stack.services["rasa"] = FakeService("rasa", started=0.0)
    supervisor = _supervisor(stack, lines)
    assert _waits_after_crashes(stack, supervisor, 7) == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert "rasa" not in supervisor.restarts  # the others are left alone


def test_the_wait_starts_over_once_the_child_stayed_up() -> None:
    stack, lines = FakeStack(), []
    stack.services["actions"] = FakeService("actions", started=0.0)
    supervisor = _supervisor(stack, lines)
    assert _waits_after_crashes(stack, supervisor, 3) == [1.0, 2.0, 4.0]
    stack.now += 60.0
    assert _waits_after_crashes(stack, supervisor, 2) == [1.0, 2.0]


def test_each_crash_is_logged_with_the_reason_and_the_log_tail() -> None:
    stack, lines = FakeStack(now=12.0), []
    stack.services["actions"] = FakeService("actions", started=0.0)
    supervisor = _supervisor(stack, lines)
    _waits_after_crashes(stack, supervisor, 1)
    crash, restart = lines
    assert "actions was killed by SIGKILL after 12 s up; restarting it in 1 s" in crash
    assert "Traceback: out of memory" in crash
    assert restart == "actions restarted (pid 1)"


def test_exit_reasons() -> None:
    assert exit_reason(1) == "exited with code 1"
    assert exit_reason(-signal.SIGKILL) == "was killed by SIGKILL"


def test_a_real_child_killed_with_sigkill_runs_again(tmp_path: Path) -> None:
    stack = Stack(
        rasa_port=0, actions_port=0, token="t", log_dir=tmp_path, tracker_db=tmp_path / "t.db"
    )
    command = ["sh", "-c", "echo sleeper up; exec sleep 60"]
    first = stack._spawn("sleeper", command, dict(os.environ))
    lines: list[str] = []
    supervisor = Supervisor(stack, initial=0.1, log=lines.append)
    try:
        deadline = time.monotonic() + 30
        while "sleeper up" not in first.log_tail():
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
        os.kill(first.process.pid, signal.SIGKILL)
        while not supervisor.restarts.get("sleeper"):
            assert time.monotonic() < deadline, f"not restarted: {lines}"
            supervisor.check()
            time.sleep(0.05)
        (second,) = stack.services
        assert second.process.pid != first.process.pid and second.process.poll() is None
        assert second.command == command
        assert "sleeper was killed by SIGKILL" in lines[0] and "sleeper up" in lines[0]
    finally:
        stack.stop()
