from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import FaqValidationError
from bot.reloading import LastGood, file_stamp


def _reader(path: Path) -> LastGood[str]:
    def build() -> str:
        text = path.read_text(encoding="utf-8")
        if "bad" in text:
            raise FaqValidationError([f"{path}:1:1: bad content", f"{path}:2:1: also bad"])
        return text

    return LastGood("notes", lambda: file_stamp([path]), build, FaqValidationError)


def _edit(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # coarse clocks: make the edit visible
        path.touch()


def test_serves_the_first_build_and_rebuilds_on_change(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    _edit(path, "one")
    served = _reader(path)
    assert served.value == "one"
    assert served.refresh() is False
    _edit(path, "two, longer")
    assert served.refresh() is True
    assert served.value == "two, longer"


def test_an_invalid_edit_keeps_the_last_good_value_and_logs_every_problem(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "notes.txt"
    _edit(path, "good")
    served = _reader(path)
    _edit(path, "bad edit")
    with caplog.at_level(logging.ERROR):
        assert served.refresh() is False
    assert served.value == "good"
    assert "notes edit rejected" in caplog.text
    assert "bad content" in caplog.text and "also bad" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert served.refresh() is False  # the same broken files are not rebuilt again
    assert caplog.text == ""
    _edit(path, "fixed again")
    assert served.refresh() is True
    assert served.value == "fixed again"


def test_an_invalid_first_build_raises(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    _edit(path, "bad from the start")
    with pytest.raises(FaqValidationError):
        _reader(path)


def test_file_stamp_marks_missing_files(tmp_path: Path) -> None:
    present = tmp_path / "a.yml"
    present.write_text("x", encoding="utf-8")
    stamp = file_stamp([present, tmp_path / "missing.yml"])
    assert stamp[0][0] == str(present) and stamp[0][2] == 1
    assert stamp[1] == (str(tmp_path / "missing.yml"), -1, -1)
