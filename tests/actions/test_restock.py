"""The restock form: an email address is asked for; another question is answered and the form
left, as the order form does (actions/forms.py leave_restock_form)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import runtime
from actions.restock import ValidateRestockForm
from actions.routing import ActionAnswerFaq
from actions.texts import variation
from bot.shop.service import Found, Wish
from tests.actions.conftest import DOMAIN, run, slot_events

ITEM = {"product_id": "tent", "sku": "T-1-GRN", "name": "Tent"}
LEFT_FI = variation(DOMAIN, "utter_restock_form_left_for_question", "fi")["text"]
INVALID_FI = variation(DOMAIN, "utter_invalid_email", "fi")["text"].split("{")[0]


class NoProducts:
    """A shop that finds no product for any message."""

    def search(self, text: str, language: str) -> Found:
        return Found("none", [])

    def wish(self, text: str) -> Wish:
        return Wish()


@pytest.fixture(autouse=True)
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[NoProducts]:
    fake = NoProducts()
    monkeypatch.setattr(runtime, "_shop", fake)
    yield fake


def in_restock_form(text: str, intent: str = "ask_faq") -> Tracker:
    """A message while the restock form waits for the email address."""
    return Tracker(
        sender_id="restock-test",
        slots={"language": "fi", "requested_slot": "restock_email", "restock_item": ITEM},
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "restock_form"},
        latest_action_name=None,
    )


def _email_set(events: list[dict[str, Any]]) -> bool:
    return "restock_email" in slot_events(events)


def test_a_faq_question_is_not_taken_as_the_address() -> None:
    """No slot set and nothing said: Rasa rejects the form and the question's rule answers."""
    messages, events = run(ValidateRestockForm(), in_restock_form("Kauanko toimitus kestää?"))
    assert messages == []
    assert not _email_set(events)


def test_a_mistyped_address_is_still_asked_again() -> None:
    messages, events = run(ValidateRestockForm(), in_restock_form("aino at example"))
    assert messages and messages[0]["text"].startswith(INVALID_FI)
    assert slot_events(events)["restock_email"] is None


def test_a_mistyped_address_with_an_at_sign_is_still_asked_again() -> None:
    messages, events = run(ValidateRestockForm(), in_restock_form("aino@example"))
    assert messages and messages[0]["text"].startswith(INVALID_FI)
    assert _email_set(events)


def test_a_message_the_faq_does_not_know_is_still_taken_as_the_answer() -> None:
    messages, _ = run(ValidateRestockForm(), in_restock_form("zzzz qqqq"))
    assert messages and messages[0]["text"].startswith(INVALID_FI)


def test_the_address_is_taken() -> None:
    messages, events = run(ValidateRestockForm(), in_restock_form("aino@example.com", "inform"))
    assert messages == []
    assert slot_events(events)["restock_email"] == "aino@example.com"


def test_the_answer_inside_the_restock_form_leaves_the_form() -> None:
    messages, events = run(ActionAnswerFaq(), in_restock_form("Kauanko toimitus kestää?"))
    assert [m["text"] for m in messages][:2] == [LEFT_FI, "Toimitus kestää 1-3 arkipäivää."]
    assert {"event": "active_loop", "timestamp": None, "name": None} in events
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["restock_item"] is None


def test_the_restock_line_is_said_only_inside_the_restock_form() -> None:
    track = in_restock_form("Kauanko toimitus kestää?")
    track.active_loop = {}
    messages, events = run(ActionAnswerFaq(), track)
    assert LEFT_FI not in [m["text"] for m in messages]
    assert not [e for e in events if e.get("event") == "active_loop"]


def test_the_line_exists_in_every_language() -> None:
    said = {
        lang: variation(DOMAIN, "utter_restock_form_left_for_question", lang)["text"]
        for lang in ("fi", "sv", "en")
    }
    assert len(set(said.values())) == 3, said
