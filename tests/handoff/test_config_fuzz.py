"""Hypothesis over ``handoff.yml``: any bytes, any YAML, mutations of the shipped file.

Property: :func:`load_handoff_settings` returns settings or raises HandoffConfigError whose
every line names ``file:line``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given

from handoff.config import HandoffSettings, load_handoff_settings
from handoff.errors import HandoffConfigError
from tests.yaml_fuzz import BILLION_LAUGHS, FUZZ, ROOT, check_loader, documents


def _file(content: bytes) -> Path:
    path = Path(tempfile.mkdtemp(prefix="handoff-fuzz-")) / "handoff.yml"
    path.write_bytes(content)
    return path


@FUZZ
@given(content=documents(ROOT / "handoff.yml"))
@example(content=BILLION_LAUGHS.encode())
@example(content=b'domain_file: "a\\0b"')
@example(content=b"opening_hours: {timezone: '" + b"a" * 300 + b"'}")
@example(content=b"limits: {burst_tickets: " + b"9" * 5000 + b"}")
def test_handoff_yml(content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("FAQBOT_DATABASE_URL", "RASA_URL", "FAQBOT_SECURE_COOKIES"):
        monkeypatch.delenv(variable, raising=False)
    settings = check_loader(lambda: load_handoff_settings(_file(content)), HandoffConfigError)
    assert settings is None or isinstance(settings, HandoffSettings)


def test_a_nul_in_the_domain_path_is_a_config_error() -> None:
    with pytest.raises(HandoffConfigError, match=r"handoff\.yml:1:14: domain_file: .*NUL"):
        load_handoff_settings(_file(b'domain_file: "a\\0b"'))


def test_duplicate_keys_are_config_errors() -> None:
    with pytest.raises(HandoffConfigError, match=r"handoff\.yml:2:1: backend: duplicate key"):
        load_handoff_settings(_file(b"backend: console\nbackend: console\n"))
