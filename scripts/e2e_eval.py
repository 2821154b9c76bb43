"""`make eval`: the FAQ engine alone, then the whole bot end to end on a stack of its own.

1. ``faqbot faq eval tests/data/eval_cases.yml``: the FAQ engine (no servers);
2. a fresh stack (action server + Rasa on free ports, trackers and tickets in a temporary folder);
3. ``faqbot eval e2e`` of ``tests/data/eval_cases.yml`` and, with ``--stock``, of
   ``tests/data/stock_cases.yml`` through its REST channel; then the stack stops.

With ``--dev`` it runs the development sets instead (``faq_dev.yml``, ``stock_dev.yml``): choose
settings on those, and measure the eval sets only to report.

``--faq-cases`` runs another FAQ case file in place of the FAQ set (``owned_dev.yml``: problems
with the shopper's own item, which must reach the FAQ and not the stock answer).

With ``--sparse`` all of it runs on ``faqbot faq sparse``'s copy of the FAQ (two phrasings per
language per entry, as a shop writes its own) instead of ``data/faq``.

Exits 0 when every step ran (whatever the figures), 1 when one failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from stack import ROOT, Stack, free_port, measurement_config

from bot.e2e.evaluation import format_table

FAQBOT = ROOT / ".venv" / "bin" / "faqbot"
EVAL_CASES = ROOT / "tests" / "data" / "eval_cases.yml"
STOCK_CASES = ROOT / "tests" / "data" / "stock_cases.yml"
DEV_CASES = ROOT / "tests" / "data" / "faq_dev.yml"
STOCK_DEV_CASES = ROOT / "tests" / "data" / "stock_dev.yml"


def engine(cases: Path, faq: list[str]) -> bool:
    """Run the FAQ engine's own evaluation; True when it ran."""
    print(f"== FAQ engine: faqbot faq eval {cases.relative_to(ROOT)} {' '.join(faq)}")
    sys.stdout.flush()
    command = [str(FAQBOT), "faq", "eval", str(cases), *faq]
    return subprocess.run(command, cwd=ROOT).returncode == 0


def end_to_end(
    stack: Stack, cases: Path, stock: bool, json_dir: Path | None, faq: list[str]
) -> bool:
    """Run ``faqbot eval e2e`` against ``stack``, print its table; True when it ran."""
    name = "stock" if stock else "faq"
    print(f"\n== whole bot ({name}): faqbot eval e2e {cases.relative_to(ROOT)}", flush=True)
    command = [str(FAQBOT), "eval", "e2e", "--url", stack.rasa_url, "--json", str(cases), *faq]
    done = subprocess.run(
        command + (["--stock"] if stock else []), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        return False
    report = json.loads(done.stdout)
    print(format_table(report["summary"]), flush=True)
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
        (json_dir / f"e2e-{name}.json").write_text(done.stdout, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Engine evaluation, then both end-to-end evaluations on a stack started here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-dir", type=Path, help="also keep each e2e report's JSON here")
    parser.add_argument("--sparse", action="store_true", help="on a 2-phrasing copy of the FAQ")
    parser.add_argument(
        "--dev", action="store_true", help="the development sets (for choosing settings)"
    )
    parser.add_argument(
        "--faq-cases", type=Path, help="this FAQ case file instead (e.g. tests/data/owned_dev.yml)"
    )
    args = parser.parse_args(argv)
    cases, stock_cases = (DEV_CASES, STOCK_DEV_CASES) if args.dev else (EVAL_CASES, STOCK_CASES)
    if args.faq_cases is not None:
        cases = args.faq_cases.resolve()
    with tempfile.TemporaryDirectory(prefix="faqbot-e2e-") as state:
        faq_dir: Path | None = None
        if args.sparse:
            faq_dir = Path(state) / "sparse-faq"
            made = subprocess.run([str(FAQBOT), "faq", "sparse", str(faq_dir)], cwd=ROOT)
            if made.returncode != 0:
                return 1
        faq = ["--faq", str(faq_dir)] if faq_dir else []
        ok = engine(cases, faq)
        stack = Stack(
            free_port(),
            free_port(),
            uuid.uuid4().hex,
            Path(state) / "logs",
            Path(state) / "tracker.db",
            database_url=f"sqlite:///{Path(state) / 'handoff.db'}",  # never the dev tickets
            handoff_config=measurement_config(Path(state)),
            faq_dir=faq_dir,
        )
        print("\n== starting the action server and Rasa", flush=True)
        try:
            stack.start()
        except (RuntimeError, TimeoutError) as exc:
            print(f"error: the stack did not start: {exc}", file=sys.stderr)
            return 1
        try:
            ok = end_to_end(stack, cases, False, args.json_dir, faq) and ok
            ok = end_to_end(stack, stock_cases, True, args.json_dir, []) and ok
        finally:
            stack.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
