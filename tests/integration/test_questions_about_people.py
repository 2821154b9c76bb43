"""End to end: a question about customer service or people that Rasa files as a request for a
person is answered, not queued; an explicit request still is. The real Rasa model and action
server; the messages are from the escalation dev set (tests/data/escalation_dev.yml), where the
shipped model files them under ``request_human`` (checked first, so that the test keeps testing
that path after a retrain)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.faq.loader import load_faq
from scripts.stack import Stack, measurement_config
from tests.conftest import ROOT
from tests.integration.bot_stack import bot_stack

pytestmark = pytest.mark.integration

ESCALATED = frozenset({"queued", "active", "offline", "overflow"})


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Rasa + action server + handoff desk on free ports, fresh SQLite stores."""
    state = tmp_path_factory.mktemp("stack")
    with bot_stack(state, handoff_config=measurement_config(state)) as running:
        yield running


def first_message(stack: Stack, text: str) -> tuple[list[str], dict[str, Any]]:
    """The bot's texts for ``text`` as a conversation's first message, and the tracker after."""
    sender = f"test-{uuid.uuid4().hex[:8]}"
    replies = stack.send(sender, text)
    return [str(r["text"]) for r in replies if "text" in r], stack.tracker(sender)


def _intent(tracker: dict[str, Any]) -> str:
    return str(tracker["latest_message"]["intent"]["name"])


def test_a_question_about_customer_service_s_languages_gets_the_faq_answer(stack: Stack) -> None:
    said, tracker = first_message(stack, "what languages can your customer service handle")
    assert _intent(tracker) == "request_human", "no longer filed as a request: pick another"
    answer = load_faq(ROOT / "data" / "faq").get("contact_hours")
    assert answer is not None and answer.answer["en"] in said
    assert tracker["slots"]["handoff"] not in ESCALATED


def test_a_question_about_how_many_people_a_tent_takes_gets_no_ticket(stack: Stack) -> None:
    said, tracker = first_message(stack, "hur många personer får plats i tältet")
    assert _intent(tracker) == "request_human", "no longer filed as a request: pick another"
    assert said, "the bot said nothing"
    assert tracker["slots"]["handoff"] not in ESCALATED
    assert not tracker["paused"]


def test_an_explicit_request_still_reaches_a_person(stack: Stack) -> None:
    _, tracker = first_message(stack, "I need to speak to someone about my refund today")
    assert tracker["slots"]["handoff"] in ESCALATED
