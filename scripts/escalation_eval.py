"""Escalation recall of the real bot: do requests for a person reach the human handoff?

Sends every message of tests/data/escalation_cases.yml (``--cases``: another file of that form,
e.g. the development set tests/data/escalation_dev.yml) and every answerable question of
tests/data/eval_cases.yml (``--faq-cases``: e.g. tests/data/faq_dev.yml) as the first message
of a new conversation, then reads the tracker: escalated means the ``handoff`` slot is queued,
active, offline or overflow. A measurement, not a test: exits 0 whatever the figures, 2 on
usage errors (bad arguments, cases, unreachable server).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack import ROOT, Stack, auth_token, free_port, measurement_config

from bot.errors import EvalCasesError, FaqValidationError
from bot.faq.evaluation import load_cases
from bot.faq.loader import load_faq
from bot.language import LANGUAGES
from bot.yamlfile import read_yaml

ESCALATION_CASES = ROOT / "tests" / "data" / "escalation_cases.yml"
EVAL_CASES = ROOT / "tests" / "data" / "eval_cases.yml"
ESCALATED = frozenset({"queued", "active", "offline", "overflow"})
GROUPS = ("escalate", "negatives", "faq")  # faq: ordinary FAQ questions, must not escalate


@dataclass
class RunningRasa(Stack):
    """A Rasa server started elsewhere (``--url``): only its URL and token are known."""

    url: str = ""

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server given by --url."""
        return self.url.rstrip("/")


@dataclass(frozen=True)
class Outcome:
    """What one first message did to its conversation."""

    group: str
    lang: str
    text: str
    handoff: str | None
    paused: bool


def load_messages(
    escalation_cases: Path = ESCALATION_CASES, faq_cases: Path = EVAL_CASES
) -> list[tuple[str, str, str]]:
    """``(group, lang, text)`` of every message to send; raises EvalCasesError if malformed."""
    doc = read_yaml(escalation_cases)
    if doc.problems or not isinstance(doc.data, dict):
        raise EvalCasesError("\n".join(doc.problems) or f"{escalation_cases}: not a mapping")
    messages = [
        (group, lang, str(text))
        for group in GROUPS[:2]
        for lang, texts in (doc.data.get(group) or {}).items()
        for text in texts
    ]
    known_ids = {entry.id for entry in load_faq(ROOT / "data" / "faq").entries}
    cases = load_cases(faq_cases, known_ids)
    return messages + [("faq", case.lang, case.text) for case in cases if case.expect]


def measure(stack: Stack, messages: list[tuple[str, str, str]]) -> list[Outcome]:
    """Send each message in a fresh conversation and read the resulting tracker."""
    outcomes, slot_seen = [], False
    for group, lang, text in messages:
        sender = f"escalation-eval-{uuid.uuid4().hex}"
        stack.send(sender, text)
        tracker: dict[str, Any] = stack.tracker(sender)
        slots = tracker.get("slots") or {}
        slot_seen = slot_seen or "handoff" in slots
        paused = bool(tracker.get("paused"))
        outcomes.append(Outcome(group, lang, text, slots.get("handoff"), paused))
    if not slot_seen:
        print("warning: the trackers have no `handoff` slot (old model?)", file=sys.stderr)
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Per language and ``all``, per group: cases, escalated, rate and the wrong outcomes."""
    summary: dict[str, dict[str, Any]] = {}
    for lang in (*LANGUAGES, "all"):
        summary[lang] = {}
        for group in GROUPS:
            items = [o for o in outcomes if o.group == group and lang in (o.lang, "all")]
            escalated = [o for o in items if o.handoff in ESCALATED]
            wrong = [o for o in items if (o.handoff in ESCALATED) != (group == "escalate")]
            summary[lang][group] = {
                "cases": len(items),
                "escalated": len(escalated),
                "rate": round(len(escalated) / len(items), 4) if items else 0.0,
                "misses" if group == "escalate" else "false_escalations": [
                    {"text": o.text, "handoff": o.handoff, "paused": o.paused} for o in wrong
                ],
            }
    return summary


def format_report(summary: dict[str, dict[str, Any]]) -> str:
    """A plain-text table, one column per language, then every miss and false escalation."""
    rows = (
        ("escalate", "escalation recall (escalate set)", "missed"),
        ("negatives", "false escalations on negatives", "false escalation"),
        ("faq", "false escalation rate, FAQ questions", "false escalation"),
    )
    lines = ["".ljust(38) + "".join(lang.rjust(16) for lang in summary)]
    for group, label, _ in rows:
        cells = [summary[lang][group] for lang in summary]
        figures = [f"{c['escalated']}/{c['cases']} {c['rate']:6.1%}".rjust(16) for c in cells]
        lines.append(label.ljust(38) + "".join(figures))
    for lang in LANGUAGES:
        for group, _, what in rows:
            figures = summary[lang][group]
            for item in figures.get("misses", []) + figures.get("false_escalations", []):
                state = f"handoff={item['handoff']}, paused={item['paused']}"
                lines.append(f"{lang} {what} ({group}; {state}): {item['text']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start a stack unless ``--url`` is given, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already-running Rasa server, e.g. http://127.0.0.1:5005")
    parser.add_argument("--token", help="its auth token (default: RASA_AUTH_TOKEN or .faqbot)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--cases",
        type=Path,
        default=ESCALATION_CASES,
        help="escalation cases (groups escalate, negatives; default: the held-out set)",
    )
    parser.add_argument(
        "--faq-cases",
        type=Path,
        default=EVAL_CASES,
        help="FAQ questions that must not escalate (default: the held-out eval set)",
    )
    args = parser.parse_args(argv)
    if args.token and not args.url:
        parser.error("--token needs --url")  # exits 2
    try:
        messages = load_messages(args.cases, args.faq_cases)
    except (EvalCasesError, FaqValidationError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as state:
        if args.url:
            token = args.token or auth_token()
            stack: Stack = RunningRasa(0, 0, token, Path(state), Path(state), url=args.url)
        else:
            ports, token = (free_port(), free_port()), uuid.uuid4().hex
            stack = Stack(
                *ports,
                token,
                Path(state) / "logs",
                Path(state) / "tracker.db",
                database_url=f"sqlite:///{Path(state) / 'handoff.db'}",  # never the dev tickets
                handoff_config=measurement_config(Path(state)),
            )
            stack.start()
        try:
            outcomes = measure(stack, messages)
        except OSError as exc:  # urllib's URLError and HTTPError included
            print(f"cannot talk to Rasa at {stack.rasa_url}: {exc}", file=sys.stderr)
            return 2
        finally:
            stack.stop()
    summary = summarise(outcomes)
    print(
        json.dumps(summary, ensure_ascii=False, indent=2) if args.json else format_report(summary)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
