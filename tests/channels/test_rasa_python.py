"""What Rasa's process imports from the library stays importable on its Python 3.10."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CHECK = """
import sys
import bot.conversation, channels.messages, handoff.messenger
heavy = [name for name in ("fastapi", "sqlalchemy", "pydantic") if name in sys.modules]
assert not heavy, heavy
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no .venv-rasa (make setup builds it)")
def test_channel_imports_work_on_rasas_python() -> None:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
