"""``bench.py load``: concurrent REST shoppers against the whole stack, as ``make run`` runs it.

Each shopper is a new conversation of ``--turns`` messages (a greeting, then answerable FAQ
questions of one language from the labelled set), sent one after another as a person would.
For every level of concurrency it prints throughput, p50/p95/p99 latency, the CPU milliseconds
each process spent per turn, and each process's RSS. ``--long`` also times the turns of one
50-message conversation against those of a 5-message one (a turn's cost must not grow with the
conversation). ``--plot`` writes the latency-vs-concurrency chart.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psutil
import yaml
from stack import ROOT, Stack

GREETINGS = {"fi": "hei", "sv": "hej", "en": "hello"}
# the bot stays quiet while a person has the conversation: a silent turn then is no error
WITH_A_PERSON = frozenset({"queued", "active", "offline", "overflow"})


@dataclass
class Level:
    """The figures of one concurrency level."""

    shoppers: int
    messages: int
    seconds: float
    latencies: list[float]
    cpu_ms_per_turn: dict[str, float]
    rss_mb: dict[str, float]
    errors: int
    failed: list[str]
    to_a_person: int = 0  # turns sent while the conversation waited for or had a person
    # the shoppers' own CPU (this process): it shares the machine's cores with the servers
    client_cpu_ms_per_turn: float = 0.0

    @property
    def throughput(self) -> float:
        """Messages per second over the whole level."""
        return self.messages / self.seconds

    def percentile(self, fraction: float) -> float:
        """A latency percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def questions_by_language() -> dict[str, list[str]]:
    """Answerable shopper questions of the labelled set, per language."""
    cases = yaml.safe_load((ROOT / "tests/data/eval_cases.yml").read_text(encoding="utf-8"))
    texts: dict[str, list[str]] = {"fi": [], "sv": [], "en": []}
    for case in cases["cases"]:
        if case["expect"] != "none":
            texts[case["lang"]].append(case["text"])
    return texts


def conversation(number: int, turns: int, questions: dict[str, list[str]]) -> list[str]:
    """The messages of shopper ``number``: a greeting, then questions of one language."""
    lang = ("fi", "sv", "en")[number % 3]
    pool = questions[lang]
    start = (number * 7) % len(pool)
    return [GREETINGS[lang]] + [pool[(start + i) % len(pool)] for i in range(turns - 1)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children."""
    process = psutil.Process(pid)
    total = sum(process.cpu_times()[:2])
    for child in process.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def run_level(stack: Stack, shoppers: int, turns: int, questions: dict[str, list[str]]) -> Level:
    """``shoppers`` conversations at once, each sending its messages one after another."""
    latencies: list[float] = []
    errors = 0
    to_a_person = 0
    failed: list[str] = []
    lock = threading.Lock()
    run_id = uuid.uuid4().hex[:6]

    def shopper(number: int) -> None:
        nonlocal errors, to_a_person
        sender = f"load-{run_id}-{number}"
        for text in conversation(number, turns, questions):
            t0 = time.perf_counter()
            why = ""
            try:
                if not stack.send(sender, text, timeout=120):
                    why = "no reply"
            except OSError as exc:
                why = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            handed_off = why == "no reply" and with_a_person(stack, sender)
            with lock:
                latencies.append(elapsed)
                if handed_off:
                    to_a_person += 1
                elif why:
                    errors += 1
                    failed.append(f"{sender} {text!r}: {why}")

    cpu_before = {s.name: cpu_seconds(s.process.pid) for s in stack.services}
    client_before = time.process_time()
    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(shoppers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    messages = shoppers * turns
    cpu = {
        s.name: 1000 * (cpu_seconds(s.process.pid) - cpu_before[s.name]) / messages
        for s in stack.services
    }
    client = 1000 * (time.process_time() - client_before) / messages
    rss = {s.name: rss_mb(s.process.pid) for s in stack.services}
    return Level(
        shoppers, messages, seconds, latencies, cpu, rss, errors, failed, to_a_person, client
    )


def with_a_person(stack: Stack, sender: str) -> bool:
    """Whether the conversation is handed to a person (the bot then answers nothing itself)."""
    slots = cast(dict[str, Any], stack.tracker(sender).get("slots") or {})
    return slots.get("handoff") in WITH_A_PERSON


def _timed_turns(
    stack: Stack, messages: list[str]
) -> tuple[list[float], list[float], list[float], str]:
    """Send ``messages`` as one new conversation: each turn's seconds, and the CPU seconds of
    Rasa and of the action server."""
    sender = f"long-{uuid.uuid4().hex[:8]}"
    (rasa,) = [s.process.pid for s in stack.services if s.name == "rasa"]
    (actions,) = [s.process.pid for s in stack.services if s.name == "actions"]
    timings, cpu, actions_cpu = [], [], []
    for text in messages:
        t0, c0, a0 = time.perf_counter(), cpu_seconds(rasa), cpu_seconds(actions)
        stack.send(sender, text, timeout=120)
        timings.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds(rasa) - c0)
        actions_cpu.append(cpu_seconds(actions) - a0)
    return timings, cpu, actions_cpu, sender


def long_conversation(stack: Stack, questions: dict[str, list[str]], length: int = 50) -> str:
    """Median turn latency of turns 1-5 against turns length-4..length of one conversation, and
    the mean CPU milliseconds Rasa spent on those turns (steadier on a busy machine).

    Different questions cost differently, so the last five messages are also sent again, after
    the greeting, in a new conversation: the ratio against that isolates the conversation's length.
    They are asked once before both, so that both find their embeddings in the action server's
    memory of recent questions (else the repeat would, and the long conversation would not).
    """
    messages = conversation(0, length, questions)
    if length > 5:
        _timed_turns(stack, messages[:1] + messages[-5:])
    timings, cpu, actions_cpu, sender = _timed_turns(stack, messages)
    first = statistics.median(timings[:5]) * 1000
    last = statistics.median(timings[-5:]) * 1000
    events = cast(list[dict[str, Any]], stack.tracker(sender).get("events") or [])
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    session = len(events) - (starts[-1] if starts else 0)
    line = (
        f"one conversation of {length} messages: median turn 1-5 {first:6.1f} ms, "
        f"turn {length - 4}-{length} {last:6.1f} ms ({last / first:4.2f}×); Rasa CPU per turn "
        f"{1000 * statistics.mean(cpu[:5]):.0f} / {1000 * statistics.mean(cpu[-5:]):.0f} ms; "
        f"the last session {session} events; action server CPU per turn "
        f"{1000 * statistics.mean(actions_cpu[:5]):.0f} / "
        f"{1000 * statistics.mean(actions_cpu[-5:]):.0f} ms"
    )
    if length <= 5:
        return line
    again, again_cpu, again_actions, _ = _timed_turns(stack, messages[:1] + messages[-5:])
    fresh = statistics.median(again[1:]) * 1000
    return line + (
        f"\n  the same last 5 messages in a new conversation (after its greeting): median "
        f"{fresh:6.1f} ms, so turn {length - 4}-{length} is {last / fresh:4.2f}× that; Rasa CPU "
        f"per turn {1000 * statistics.mean(again_cpu[1:]):.0f} ms, action server "
        f"{1000 * statistics.mean(again_actions[1:]):.0f} ms"
    )


def report(levels: Sequence[Level]) -> str:
    """The figures as a Markdown table plus per-process CPU and RSS."""
    names = list(levels[0].cpu_ms_per_turn)
    head = "| shoppers | msg/s | p50 ms | p95 ms | p99 ms | errors | " + " | ".join(
        f"CPU ms/turn {n}" for n in names
    )
    lines = [
        head + " | CPU ms/turn load generator | turns to a person |",
        "|" + "---|" * (8 + len(names)),
    ]
    for level in levels:
        cpu = " | ".join(f"{level.cpu_ms_per_turn[n]:.1f}" for n in names)
        lines.append(
            f"| {level.shoppers} | {level.throughput:.1f} | {level.percentile(0.5):.0f} | "
            f"{level.percentile(0.95):.0f} | {level.percentile(0.99):.0f} | {level.errors} | "
            f"{cpu} | {level.client_cpu_ms_per_turn:.1f} | {level.to_a_person} |"
        )
    last = levels[-1]
    rss = ", ".join(f"{n} {last.rss_mb[n]:.0f} MB" for n in names)
    lines.append("")
    lines.append(f"RSS after the run: {rss}; together {sum(last.rss_mb.values()):.0f} MB")
    for level in levels:
        lines.extend(f"  failed at {level.shoppers} shoppers: {line}" for line in level.failed[:5])
    return "\n".join(lines)


def plot(levels: Sequence[Level], path: Path, label: str) -> None:
    """Latency percentiles against the number of shoppers, as a PNG (scripts/plot_latency.py)."""
    import importlib.util
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "levels.json"
        write_json(levels, figures)
        script = Path(__file__).with_name("plot_latency.py")
        python = sys.executable
        if importlib.util.find_spec("matplotlib") is None:  # not a faqbot dependency; Rasa's
            python = str(ROOT / ".venv-rasa" / "bin" / "python")
        subprocess.run([python, str(script), str(figures), str(path), label], check=True)


def write_json(levels: Sequence[Level], path: Path) -> None:
    """The raw figures, for comparing runs."""
    path.write_text(
        json.dumps(
            [
                {
                    "shoppers": level.shoppers,
                    "throughput": level.throughput,
                    "p50_ms": level.percentile(0.5),
                    "p95_ms": level.percentile(0.95),
                    "p99_ms": level.percentile(0.99),
                    "errors": level.errors,
                    "to_a_person": level.to_a_person,
                    "cpu_ms_per_turn": level.cpu_ms_per_turn,
                    "client_cpu_ms_per_turn": level.client_cpu_ms_per_turn,
                    "rss_mb": level.rss_mb,
                }
                for level in levels
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
