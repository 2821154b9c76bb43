"""Fixtures of the action tests: a FAQ service with a fake encoder and a real desk on SQLite,
both put into the action server's runtime; and helpers to run an action on a tracker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from handoff.config import HandoffSettings
from handoff.desk import HandoffDesk
from handoff.store import Store
from tests.conftest import ROOT
from tests.fakes import HashingEncoder

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def service(faq_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaqService]:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))
    settings = Settings(
        faq_dir=faq_dir,
        policy=PolicySettings(answer_threshold=0.6, answer_margin=0.02, clarify_threshold=0.25),
    )
    faq_service = FaqService(settings, encoder=HashingEncoder())
    faq_service.warm_up()
    monkeypatch.setattr(runtime, "_service", faq_service)
    yield faq_service


@pytest.fixture(autouse=True)
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HandoffDesk]:
    """A real desk on a temporary SQLite database; shoppers queue even with nobody online."""
    settings = HandoffSettings(
        database_url=f"sqlite:///{tmp_path / 'handoff.db'}",
        domain_file=ROOT / "domain.yml",
        when_no_agent_online="queue",
    )
    store = Store(settings.database_url)
    store.create_schema()
    handoff_desk = HandoffDesk(settings, store)
    monkeypatch.setattr(runtime, "_desk", handoff_desk)
    yield handoff_desk
    store.engine.dispose()


def tracker(
    text: str,
    intent: str = "ask_faq",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    return Tracker(
        sender_id="test",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action: Any, track: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, track, DOMAIN)
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher.messages, events


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
