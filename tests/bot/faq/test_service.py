from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from bot.errors import FaqValidationError
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from tests.fakes import HashingEncoder


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))


def service_for(faq_dir: Path) -> FaqService:
    settings = Settings(
        faq_dir=faq_dir,
        reload_interval_seconds=0.05,
        policy=PolicySettings(answer_threshold=0.5, clarify_threshold=0.3),
    )
    service = FaqService(settings, encoder=HashingEncoder())
    service.warm_up()
    return service


def touch_later(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_ask_detects_language_and_decides(faq_dir: Path) -> None:
    service = service_for(faq_dir)
    reply = service.ask("Kauanko toimitus kestää?")
    assert reply.language == "fi"
    assert reply.decision.kind == "answer" and reply.decision.offered == ("delivery_time",)
    assert service.ask("ok", current_language="sv").language == "sv"


def test_answer_keeps_the_language_it_is_given(faq_dir: Path) -> None:
    service = service_for(faq_dir)
    chosen = service.answer("Kauanko toimitus kestää?", "sv")  # chosen earlier in the turn
    assert chosen.language == "sv"
    asked = service.ask("Kauanko toimitus kestää?", "sv")  # chooses again: confidently Finnish
    assert asked.language == "fi"
    assert asked.matches == service.answer("Kauanko toimitus kestää?", "fi").matches


def test_hot_reload_serves_new_content(faq_dir: Path) -> None:
    service = service_for(faq_dir)
    path = faq_dir / "demo.yml"
    touch_later(
        path,
        path.read_text()
        + (
            '  - id: gift_cards\n    questions: {en: ["Do you sell gift cards?"]}\n'
            '    answer: {en: "Yes, from 20 euros."}\n'
        ),
    )
    assert service.reload_if_changed() is True
    assert service.ask("do you sell gift cards").matches[0].id == "gift_cards"


def test_invalid_edit_keeps_last_good_index(
    faq_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = service_for(faq_dir)
    good = service.index
    touch_later(faq_dir / "demo.yml", "entries:\n  - id: BAD\n")
    with caplog.at_level(logging.ERROR):
        assert service.reload_if_changed() is False
        assert service.reload_if_changed() is False  # the same broken file is logged once
    assert service.index is good
    assert len([r for r in caplog.records if "FAQ edit rejected" in r.message]) == 1
    assert "demo.yml:2:9: entries[0].id" in caplog.text


def test_watcher_picks_up_edits(faq_dir: Path) -> None:
    service = service_for(faq_dir)
    service.watch()
    try:
        path = faq_dir / "demo.yml"
        touch_later(path, path.read_text().replace("1-3 working days", "2-4 working days"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if service.faq.get("delivery_time").answer["en"].startswith("Delivery takes 2-4"):  # type: ignore[union-attr]
                break
            time.sleep(0.05)
        else:
            pytest.fail("the watcher did not reload the edited FAQ within 5 s")
    finally:
        service.stop()


def test_invalid_faq_at_start_raises(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("entries: []\n")
    service = FaqService(Settings(faq_dir=tmp_path), encoder=HashingEncoder())
    with pytest.raises((FaqValidationError, ValueError)):
        service.warm_up()
