"""The conversation vocabulary matches domain.yml and what the actions really use."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from bot import conversation
from tests.conftest import ROOT

ACTIONS = ROOT / "actions"


def domain_slots() -> dict[str, dict[str, object]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return dict(domain["slots"])


def constants(prefix: str) -> dict[str, str]:
    return {
        name: value
        for name, value in vars(conversation).items()
        if name.startswith(prefix) and isinstance(value, str)
    }


def names_used(path: Path) -> set[str]:
    """The names a module reads (``AWAITING_FEEDBACK``, ``conversation.AWAITING_FEEDBACK``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return used | {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def test_every_slot_constant_is_a_slot_of_the_domain_and_back() -> None:
    slots = domain_slots()
    assert set(constants("SLOT_").values()) == set(conversation.SLOTS) == set(slots)


def test_handoff_slot_values_are_the_open_ticket_statuses() -> None:
    values = domain_slots()[conversation.SLOT_HANDOFF]["values"]
    assert tuple(values) == conversation.OPEN_STATUSES  # type: ignore[arg-type]


def test_every_constant_is_in_its_literal_type() -> None:
    groups = {
        "AWAITING_": conversation.AWAITED_ANSWERS,
        "REASON_": conversation.ESCALATION_REASONS,
        "STATUS_": conversation.STATUSES,
        "SENDER_": conversation.SENDERS,
        "META_": conversation.METADATA_KEYS,
    }
    for prefix, values in groups.items():
        assert sorted(constants(prefix).values()) == sorted(values), prefix
    handoff_only = set(constants("HANDOFF_").values())
    assert handoff_only | set(conversation.OPEN_STATUSES) == set(conversation.HANDOFF_STATES)


def test_every_awaited_answer_is_asked_somewhere_and_answered() -> None:
    modules = {path.name: names_used(path) for path in ACTIONS.glob("*.py")}
    for name in constants("AWAITING_"):
        assert name in modules["yes_no.py"], f"{name}: no answer to it in actions/yes_no.py"
        askers = [module for module, used in modules.items() if name in used]
        assert set(askers) - {"yes_no.py"}, f"{name}: no action asks it"


def test_every_escalation_reason_is_produced_by_an_action() -> None:
    used = set().union(*(names_used(path) for path in ACTIONS.glob("*.py")))
    assert set(constants("REASON_")) <= used


def test_actions_name_slots_by_their_constants() -> None:
    bare = []
    for path in ACTIONS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if called in ("SlotSet", "get_slot") and isinstance(first, ast.Constant):
                bare.append(f"{path.name}:{node.lineno} {first.value!r}")
    assert bare == []
