"""A burst of FAQ questions waits for the embedding pool; other actions are not starved."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.faq import answer_faq
from actions.language import ActionDetectLanguage
from bot.encoder import RecentQueries
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from bot.workers import default_workers
from tests.actions.conftest import DOMAIN, slot_events, tracker
from tests.fakes import HashingEncoder

DEADLINE = 60.0  # seconds to wait for a positive signal (never asserted as a speed)
BURST = 40  # more FAQ questions than asyncio's default executor has threads (at most 32)


class SlowEncoder(HashingEncoder):
    """Embeds the FAQ at warm-up, then holds every question until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.running = 0
        self.most = 0  # the most questions embedded at once
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            if not self.gate.wait(DEADLINE):
                raise TimeoutError("the gate was never opened")
        finally:
            with self._lock:
                self.running -= 1
        return super().encode(texts)


def test_a_burst_of_questions_does_not_starve_the_language_step(
    faq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = SlowEncoder()
    settings = Settings(
        faq_dir=faq_dir,
        policy=PolicySettings(answer_threshold=0.6, answer_margin=0.02, clarify_threshold=0.25),
    )
    service = FaqService(settings, encoder=encoder)
    service.warm_up()
    monkeypatch.setattr(runtime, "_service", service)
    encoder.gate.clear()

    async def scenario() -> tuple[str, list[str]]:
        question = tracker("Kauanko toimitus kestää?", language="fi")
        questions = [
            asyncio.ensure_future(answer_faq(CollectingDispatcher(), question, DOMAIN, "fi"))
            for _ in range(BURST)
        ]
        while encoder.running == 0:  # every question has asked for its embedding by now
            await asyncio.sleep(0.01)
        other = tracker("Hur lång är leveranstiden?", language="fi")
        language = ActionDetectLanguage().run(CollectingDispatcher(), other, DOMAIN)
        events = await asyncio.wait_for(language, DEADLINE)
        assert not any(q.done() for q in questions)  # the burst still waits for the model
        encoder.gate.set()
        answered = await asyncio.gather(*questions)
        return slot_events(events)["language"], [slot_events(e)["last_faq_id"] for e in answered]

    try:
        language, answered = asyncio.run(scenario())
    finally:
        encoder.gate.set()
    assert language == "sv"  # the language step ran while 40 questions waited
    assert answered == ["delivery_time"] * BURST  # every question answered, none dropped
    assert encoder.most <= default_workers()


def test_the_action_servers_encoder_remembers_recent_questions(
    faq_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FAQ and the product search share one encoder that embeds a message once per turn."""
    inner = HashingEncoder()
    monkeypatch.setattr(runtime, "_service", None)
    monkeypatch.setattr(runtime, "load_settings", lambda: Settings(faq_dir=faq_dir))
    monkeypatch.setattr(runtime, "open_encoder", lambda model: inner)
    service = runtime._warm_faq()
    try:
        assert isinstance(service.encoder, RecentQueries) and service.encoder.encoder is inner
        service.answer("how long does delivery take", "en")
        calls = len(inner.calls)
        service.answer("how long does delivery take", "en")
        assert len(inner.calls) == calls
    finally:
        service.stop()
