"""`bot/` is a plain library: it imports no Rasa, no handoff, no action server, no channels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {"rasa", "rasa_sdk", "handoff", "actions", "channels"}


def imported_modules(path: Path) -> list[str]:
    """Every absolute module an ``import`` or ``from ... import`` of ``path`` names."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_bot_imports_neither_rasa_nor_handoff(path: Path) -> None:
    found = [name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN]
    assert found == []
