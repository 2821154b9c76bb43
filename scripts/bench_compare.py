"""``bench_compare.py OLD_DIR NEW_DIR``: the load levels of ``bench.py load`` against two code
trees in one run, one tree's stack at a time, so that the machine's noise hits both alike.

Each tree is started by its own ``scripts/stack.py`` (the command lines, endpoints and
environment of that version: the pre-issue-13 code, for example, has no event broker) with
``PYTHONPATH=DIR`` first, so that the shared ``.venv``'s editable install of /work/main is not
what runs. Both trees need their venvs (``.venv``, ``.venv-rasa``, links will do) and a trained
Rasa model named in ``models/current``. The load generator is this checkout's
scripts/bench_load.py with this checkout's questions for both trees.

``--restart-actions`` restarts the action server before every level and warms it with questions
that are not in the bench's set: the levels reuse the same questions (shopper n asks the same
ones at every level, and at 20 and 50 shoppers the shoppers' questions overlap), and one that
remembers recent query embeddings (main's ``bot.encoder.RecentQueries``) would otherwise take
most of a level's embeddings from that memory, which real traffic repeats far less.

Rounds alternate the order (old, new, then new, old, ...) so that a drift of the machine's load
does not favour one tree. For each tree and level it prints msg/s, p50/p95/p99, turns without a
reply (and silent turns of a conversation handed to a person, which are no error), CPU ms
per turn and RSS per process, and the load average before and after each tree.

    .venv/bin/python scripts/bench_compare.py /work/wt-old /work/main --shoppers 1,10,20,50 \\
        --rounds 2 --json compare.json
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

SERVICES = ("rasa", "actions", "handoff")
# warm-up conversations after a restart (after the greeting), none of these questions in
# tests/data/eval_cases.yml (the bench's set)
WARM_UP = {
    "fi": ("voinko maksaa laskulla", "onko teillä lahjakortteja", "miten vaihdan kokoa"),
    "sv": ("kan jag betala med faktura", "har ni presentkort", "hur byter jag storlek"),
    "en": ("can I pay by invoice", "do you sell gift cards", "how do I swap a size"),
}


@dataclass
class Tree:
    """One code tree to benchmark."""

    label: str
    root: Path


@dataclass
class Result:
    """The figures of one level of one tree in one round."""

    round: int
    label: str
    shoppers: int
    messages: int
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    no_reply: int
    to_a_person: int  # silent turns while the conversation waited for a person (not errors)
    cpu_ms_per_turn: dict[str, float]
    rss_mb: dict[str, float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def shopper_levels(text: str) -> list[int]:
    """``"1,10,20"`` -> ``[1, 10, 20]``; argparse's type for ``--shoppers``."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--shoppers {text!r}: give whole numbers separated by commas, e.g. 1,10,20"
        ) from None
    if not levels or any(n < 1 for n in levels):
        raise argparse.ArgumentTypeError(
            f"--shoppers {text!r}: give at least one level, each 1 or more, e.g. 1,10,20"
        )
    return levels


def code_tree(text: str) -> Path:
    """A checkout that can be benchmarked: its scripts/stack.py, venvs and trained model."""
    root = Path(text).resolve()
    missing = [
        name
        for name in ("scripts/stack.py", ".venv/bin/python", ".venv-rasa/bin/python")
        if not (root / name).exists()
    ]
    current = root / "models" / "current"
    if not current.exists():
        missing.append("models/current (train its Rasa model with its scripts/setup.sh command)")
    elif not (root / current.read_text().strip()).exists():
        missing.append(f"{current.read_text().strip()} (named in models/current)")
    if missing:
        raise argparse.ArgumentTypeError(
            f"{root} cannot be benchmarked, missing: {', '.join(missing)} "
            "(link the venvs: ln -s /work/main/.venv .venv; ln -s /work/main/.venv-rasa .venv-rasa)"
        )
    return root


def schedule(trees: Sequence[Tree], rounds: int) -> list[tuple[int, Tree]]:
    """(round, tree) in run order: the order flips every round (old, new, new, old, ...)."""
    order: list[tuple[int, Tree]] = []
    for number in range(1, rounds + 1):
        ordered = trees if number % 2 else list(reversed(trees))
        order.extend((number, tree) for tree in ordered)
    return order


def load_stack_module(root: Path) -> ModuleType:
    """That tree's own scripts/stack.py, under a module name of its own."""
    name = f"stack_{abs(hash(str(root)))}"
    spec = importlib.util.spec_from_file_location(name, root / "scripts" / "stack.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@contextmanager
def tree_stack(root: Path) -> Iterator[Any]:
    """The tree's action server, Rasa and handoff service (flood limits lifted), as
    ``bench.py load`` starts them, on free ports with throw-away state and ``PYTHONPATH=root``."""
    module = load_stack_module(root)
    known = {f.name for f in dataclasses.fields(module.Stack)}
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), saved]))
    try:
        with tempfile.TemporaryDirectory() as folder:
            state = Path(folder)
            settings: dict[str, Any] = {
                "rasa_port": module.free_port(),
                "actions_port": module.free_port(),
                "token": uuid.uuid4().hex,
                "log_dir": state / "logs",
                "tracker_db": state / "tracker.db",
                "database_url": f"sqlite:///{state / 'handoff.db'}",
                "handoff_port": module.free_port(),
                "handoff_config": module.measurement_config(state),
            }
            stack = module.Stack(**{k: v for k, v in settings.items() if k in known})
            stack.start()
            try:
                yield stack
            finally:
                stack.stop()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def restart_actions(stack: Any, greetings: dict[str, str]) -> None:
    """A fresh action server (empty in-memory caches), warmed by one conversation per language
    at once (a greeting, then questions not in the set), as the first-call costs are paid."""
    import threading

    stack.stop_service("actions")
    stack.start_actions(wait=True)

    def chat(lang: str) -> None:
        sender = f"warm-{uuid.uuid4().hex[:8]}"
        for text in (greetings[lang], *WARM_UP[lang]):
            stack.send(sender, text, timeout=120)

    threads = [threading.Thread(target=chat, args=(lang,)) for lang in WARM_UP]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure(
    tree: Tree, round_number: int, levels: Sequence[int], turns: int, restart: bool = False
) -> list[Result]:
    """Start the tree's stack, warm it up, run every level (each on a fresh action server with
    ``restart``), stop it."""
    import bench_load
    import psutil

    questions = bench_load.questions_by_language()
    results = []
    print(f"\n[round {round_number}] {tree.label}: starting {tree.root}", flush=True)
    with tree_stack(tree.root) as stack:
        for service in stack.services:
            print(f"  {service.name}: {' '.join(service.command)}", flush=True)
        if not restart:
            bench_load.run_level(stack, 3, 3, questions)  # first-call costs
        for shoppers in levels:
            if restart:
                restart_actions(stack, bench_load.GREETINGS)
            load_before = psutil.getloadavg()
            level = bench_load.run_level(stack, shoppers, turns, questions)
            load_after = psutil.getloadavg()
            results.append(
                Result(
                    round=round_number,
                    label=tree.label,
                    shoppers=shoppers,
                    messages=level.messages,
                    throughput=level.throughput,
                    p50_ms=level.percentile(0.5),
                    p95_ms=level.percentile(0.95),
                    p99_ms=level.percentile(0.99),
                    no_reply=level.errors,
                    to_a_person=level.to_a_person,
                    cpu_ms_per_turn=level.cpu_ms_per_turn,
                    rss_mb=level.rss_mb,
                    load_before=load_before,
                    load_after=load_after,
                )
            )
            print(f"  {shoppers} shoppers: {row(results[-1])}", flush=True)
            for line in level.failed[:5]:
                print(f"    no reply: {line}", flush=True)
    return results


def row(result: Result) -> str:
    """One Markdown table row (see :func:`table`)."""
    cpu = " | ".join(f"{result.cpu_ms_per_turn.get(n, float('nan')):.0f}" for n in SERVICES)
    rss = " | ".join(f"{result.rss_mb.get(n, float('nan')):.0f}" for n in SERVICES)
    load = f"{result.load_before[0]:.2f} → {result.load_after[0]:.2f}"
    return (
        f"| {result.round} | {result.label} | {result.shoppers} | {result.throughput:.2f} | "
        f"{result.p50_ms:.0f} | {result.p95_ms:.0f} | {result.p99_ms:.0f} | "
        f"{result.no_reply}/{result.messages} | {result.to_a_person} | {cpu} | {rss} | {load} |"
    )


def table(results: Sequence[Result]) -> str:
    """All results as a Markdown table, by level, then round and run order."""
    names = " | ".join(f"CPU ms/turn {n}" for n in SERVICES)
    rss = " | ".join(f"RSS MB {n}" for n in SERVICES)
    head = (
        "| round | tree | shoppers | msg/s | p50 ms | p95 ms | p99 ms | no reply | to a person | "
        f"{names} | {rss} | load 1 min |"
    )
    lines = [head, "|" + "---|" * (10 + 2 * len(SERVICES))]
    order = {id(r): i for i, r in enumerate(results)}
    lines.extend(row(r) for r in sorted(results, key=lambda r: (r.shoppers, order[id(r)])))
    return "\n".join(lines)


def ratios(results: Sequence[Result], old: str, new: str) -> list[str]:
    """Per level: new/old msg/s and p50/p95, from each tree's median over its rounds."""
    import statistics

    lines = []
    for shoppers in sorted({r.shoppers for r in results}):
        by = {
            label: [r for r in results if r.shoppers == shoppers and r.label == label]
            for label in (old, new)
        }
        if not by[old] or not by[new]:
            continue

        def median(rows: list[Result], field: str) -> float:
            return statistics.median(getattr(r, field) for r in rows)

        parts = [
            f"{name} {median(by[new], field) / median(by[old], field):.2f}×"
            for name, field in (("msg/s", "throughput"), ("p50", "p50_ms"), ("p95", "p95_ms"))
        ]
        lines.append(f"{shoppers} shoppers, {new}/{old}: " + ", ".join(parts))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the schedule, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=code_tree, help="the earlier checkout (e.g. a worktree)")
    parser.add_argument("new", type=code_tree, help="the later checkout")
    parser.add_argument("--shoppers", type=shopper_levels, default=[1, 10, 20], help="1,10,20")
    parser.add_argument("--turns", type=int, default=10, help="messages per shopper")
    parser.add_argument("--rounds", type=int, default=1, help="old+new pairs, order alternating")
    parser.add_argument("--json", type=Path, help="write the raw figures here (after each tree)")
    parser.add_argument(
        "--restart-actions",
        action="store_true",
        help="a fresh action server before every level (no query embeddings remembered)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_load, stack
    import psutil

    trees = [Tree("old", args.old), Tree("new", args.new)]
    results: list[Result] = []
    started = time.monotonic()
    print(
        f"levels {args.shoppers} × {args.turns} messages, {args.rounds} round(s), "
        f"restart actions per level: {args.restart_actions}"
    )
    print(f"load average at the start {' / '.join(f'{n:.2f}' for n in psutil.getloadavg())}")
    for number, tree in schedule(trees, args.rounds):
        results.extend(measure(tree, number, args.shoppers, args.turns, args.restart_actions))
        if args.json:
            args.json.write_text(
                json.dumps([dataclasses.asdict(r) for r in results], indent=2), encoding="utf-8"
            )
    print(f"\nload average at the end {' / '.join(f'{n:.2f}' for n in psutil.getloadavg())}")
    print(f"({(time.monotonic() - started) / 60:.0f} min; old = {args.old}, new = {args.new})\n")
    print(table(results))
    print()
    print("\n".join(ratios(results, "old", "new")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
