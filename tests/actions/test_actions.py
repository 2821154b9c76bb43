"""Unit tests of the actions with a fake encoder; the real stack is in tests/integration."""

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
from actions.faq import ActionAnswerFaq, ActionChooseFaq
from actions.language import ActionDetectLanguage, ActionSwitchLanguage
from actions.texts import variation
from actions.yes_no import ActionReplyYesNo
from bot.service import FaqService
from bot.settings import PolicySettings, Settings
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


def tracker(
    text: str, intent: str = "ask_faq", entities: list[dict[str, Any]] | None = None, **slots: Any
) -> Tracker:
    return Tracker(
        sender_id="test",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[],
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


def test_every_response_has_fi_sv_en() -> None:
    for name in DOMAIN["responses"]:
        texts = {lang: variation(DOMAIN, name, lang)["text"] for lang in ("fi", "sv", "en")}
        assert len(set(texts.values())) == 3, (name, texts)


def test_answers_in_the_conversation_language() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("Kauanko toimitus kestää?", language="fi"))
    assert [m["text"] for m in messages] == ["Toimitus kestää 1-3 arkipäivää."]
    assert slot_events(events)["last_faq_id"] == "delivery_time"
    assert slot_events(events)["faq_candidates"][0]["id"] == "delivery_time"


def test_missing_translation_is_said_and_a_person_offered() -> None:
    messages, events = run(
        ActionAnswerFaq(), tracker("hur länge har jag returrätt?", language="sv")
    )
    # return_period has no Swedish answer: say so in Swedish, answer in another, offer a person
    assert messages[0]["text"] == variation(DOMAIN, "utter_faq_only_in_fi", "sv")["text"]
    assert messages[1]["text"] in {
        "You can return products within 30 days.",
        "Voit palauttaa tuotteet 30 päivän kuluessa.",
    }
    assert messages[2]["text"] == variation(DOMAIN, "utter_offer_human", "sv")["text"]
    assert slot_events(events)["offered_human"] is True


def test_handoff_entries_offer_a_person() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("my product arrived broken", language="en"))
    assert messages[0]["text"] == "Send us a photo and we will replace it."
    assert messages[1]["text"] == variation(DOMAIN, "utter_offer_human", "en")["text"]
    assert slot_events(events)["offered_human"] is True


def test_low_confidence_falls_back() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("zzzz qqqq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_fallback", "en")["text"]


def test_out_of_scope_intent_gets_the_out_of_scope_reply() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("zzzz qqqq", intent="out_of_scope", language="fi"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_out_of_scope", "fi")["text"]


def test_a_request_for_a_person_beats_the_faq() -> None:
    messages, _ = run(
        ActionAnswerFaq(), tracker("I want to talk to a person about delivery", language="en")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_human_contact", "en")["text"]


def test_clarify_offers_buttons_then_choice_answers(service: FaqService) -> None:
    service.settings.policy.answer_threshold = 0.99  # force a clarification
    messages, _ = run(ActionAnswerFaq(), tracker("how long", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]
    buttons = messages[0]["buttons"]
    assert 3 <= len(buttons) <= 4  # 2-3 entries + "none of these"
    assert buttons[-1]["title"] == variation(DOMAIN, "utter_button_none", "en")["text"]
    assert all(b["payload"].startswith('/choose_faq{"faq_id":"') for b in buttons)
    chosen = [{"entity": "faq_id", "value": "delivery_time"}]
    messages, _ = run(ActionChooseFaq(), tracker("", "choose_faq", chosen, language="en"))
    assert [m["text"] for m in messages] == ["Delivery takes 1-3 working days."]
    none = [{"entity": "faq_id", "value": "none"}]
    messages, _ = run(ActionChooseFaq(), tracker("", "choose_faq", none, language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_fallback", "en")["text"]


def test_language_actions() -> None:
    _, events = run(ActionDetectLanguage(), tracker("Hur lång är leveranstiden?", language="fi"))
    assert slot_events(events) == {"language": "sv"}
    _, events = run(ActionDetectLanguage(), tracker("ok", language="fi"))
    assert events == []
    _, events = run(ActionSwitchLanguage(), tracker("in English please", "switch_language"))
    assert slot_events(events) == {"language": "en"}


def test_yes_after_an_offer_gives_contacts_otherwise_anything_else() -> None:
    messages, events = run(
        ActionReplyYesNo(), tracker("joo", "affirm", language="fi", offered_human=True)
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_human_contact", "fi")["text"]
    assert slot_events(events) == {"offered_human": False}
    messages, _ = run(ActionReplyYesNo(), tracker("yes", "affirm", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_anything_else", "en")["text"]
