"""Shopper messages synced from Rasa: any Unicode is stored, one ticket never blocks another."""

from __future__ import annotations

import itertools
import logging
import time
from datetime import datetime
from typing import Any

import pytest

from bot.conversation import Sender
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import RasaUnavailable
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk


def queued(desk: HandoffDesk, conversation: str) -> int:
    return desk.escalate(Escalation(conversation, "rest", "fi", "explicit_request")).ticket_id


_LATER = itertools.count(1)


def user(text: str) -> dict[str, Any]:
    """A shopper message Rasa stored after the escalation (tickets are stamped by the real
    clock; a second later each)."""
    return {"event": "user", "text": text, "timestamp": time.time() + next(_LATER)}


def texts(store: Store, ticket_id: int) -> list[str]:
    return [m.text for m in store.messages(ticket_id)]


def test_lone_surrogates_and_nul_are_stored_and_the_next_ticket_still_syncs(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    first, second = queued(desk, "c1"), queued(desk, "c2")
    fake_rasa.trackers["c1"] = [user("x\ud800"), user("a\x00b"), user("\ud83d\ude00 ok")]
    fake_rasa.trackers["c2"] = [user("onko siellä ketään?")]
    desk.sync_from_rasa()
    assert texts(store, first) == ["x\ufffd", "ab", "\U0001f600 ok"]
    assert texts(store, second) == ["onko siellä ketään?"]
    fake_rasa.trackers["c2"].append(user("hei?"))
    desk.sync_from_rasa()  # the first ticket is read up to date: nothing stored twice
    assert texts(store, first) == ["x\ufffd", "ab", "\U0001f600 ok"]
    assert texts(store, second) == ["onko siellä ketään?", "hei?"]


def test_escalation_texts_are_stored_whatever_unicode_they_hold(
    store: Store, fake_rasa: FakeRasa, clock: Clock
) -> None:
    desk = make_desk(store, fake_rasa, clock, when_no_agent_online="queue")
    transcript: list[tuple[Sender, str, datetime]] = [("shopper", "kysymys\ud800\x00", clock.now)]
    request = Escalation(
        "c1", "rest", "fi", "not_helped", transcript=transcript, question="mikä\x00?"
    )
    ticket_id = desk.escalate(request).ticket_id
    assert texts(store, ticket_id) == ["kysymys\ufffd"]
    assert store.ticket(ticket_id).question == "mikä?"
    assert desk.store.add_message(ticket_id, "note", "\udfff").text == "\ufffd"


class OneBrokenConversation(FakeRasa):
    """Rasa answers 500 for the conversation ``broken``, the rest as usual."""

    broken = "c1"

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        if conversation_id == self.broken:
            raise RasaUnavailable("Rasa refused GET /conversations/c1/tracker: HTTP 500")
        return super().tracker(conversation_id)


class MalformedTracker(FakeRasa):
    """The tracker of ``c1`` holds an event time no clock can show."""

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        if conversation_id == "c1":
            return {"events": [{"event": "user", "text": "hi", "timestamp": 1e300}]}
        return super().tracker(conversation_id)


@pytest.mark.parametrize("rasa_kind", [OneBrokenConversation, MalformedTracker])
def test_a_failing_ticket_never_blocks_the_next_ones(
    store: Store, clock: Clock, caplog: pytest.LogCaptureFixture, rasa_kind: type[FakeRasa]
) -> None:
    rasa = rasa_kind()
    desk = make_desk(store, rasa, clock, when_no_agent_online="queue")
    queued(desk, "c1")
    second = queued(desk, "c2")
    rasa.trackers["c2"] = [user("is anyone there?")]
    caplog.set_level(logging.INFO)
    for _ in range(3):
        desk.sync_from_rasa()
    assert texts(store, second) == ["is anyone there?"]
    about_first = [r for r in caplog.records if "ticket 1 " in r.getMessage()]
    assert len(about_first) == 1  # logged once, not on every pass


def test_clean_text_keeps_what_every_database_stores() -> None:
    from handoff.store import clean_text

    assert clean_text("Hyvää päivää, Åsa! \U0001f600") == "Hyvää päivää, Åsa! \U0001f600"
    assert clean_text("\ud800x\udc00") == "\ufffdx\ufffd"
    assert clean_text("\x00") == ""
