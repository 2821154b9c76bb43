"""Rasa's Python 3.10 process imports ``channels/``; what it imports is linted for 3.10 and
needs none of the handoff service's heavy libraries."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
PACKAGES = ("bot", "channels", "handoff", "actions")


def run_in_rasa(script: str, *args: str, timeout: float = 300) -> object:
    """Run ``script`` in Rasa's Python (.venv-rasa) from the project root; the JSON its last
    line of output prints. Fails the test with its stderr when it exits with an error."""
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing: run `make setup`")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


_LOADED = """
import json, sys
import channels.actions_down, channels.messenger, channels.rest, channels.server
import channels.socketio, channels.lock_store
print(json.dumps(sorted(
    getattr(m, "__file__", None) or "" for m in list(sys.modules.values())
)))
"""

_PURE = """
import sys
import bot.conversation, channels.messages, handoff.messenger
heavy = [name for name in ("fastapi", "sqlalchemy", "pydantic") if name in sys.modules]
assert not heavy, heavy
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no .venv-rasa (make setup builds it)")
def test_the_shared_modules_import_on_rasas_python_without_the_services_libraries() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _PURE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
def test_the_files_rasa_imports_are_linted_for_python_310() -> None:
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing: run `make setup`")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _LOADED], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = {
        Path(name).resolve().relative_to(ROOT).as_posix()
        for name in json.loads(result.stdout.strip().splitlines()[-1])
        if name
        and Path(name).resolve().is_relative_to(ROOT)
        and Path(name).resolve().relative_to(ROOT).parts[0] in PACKAGES
    }
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linted = settings["tool"]["ruff"]["per-file-target-version"]
    py310 = {pattern for pattern, version in linted.items() if version == "py310"}
    missing = sorted(
        name for name in loaded if not any(Path(name).match(pattern) for pattern in py310)
    )
    assert loaded, "nothing of the project was imported"
    assert not missing, f"add to [tool.ruff] per-file-target-version as py310: {missing}"
