"""The proactive order message of the chat: domain.yml texts in the conversation's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.errors import NotificationError
from bot.shop.order_events import OrderEvent, OrderSnapshot
from handoff.errors import RasaUnavailable, UnknownConversation
from handoff.order_chat import RasaOrderChat
from tests.handoff.conftest import ROOT

SNAPSHOT = OrderSnapshot(
    shop="kaira",
    number="100238",
    status="shipped",
    language="fi",
    first_name="Sanna",
    carrier="Matkahuolto",
    tracking_code="MH4021003823",
    tracking_url="https://www.matkahuolto.fi/seuranta?lahetystunnus=MH4021003823",
    expected_delivery=date(2026, 12, 4),
)


def event(kind: str, snapshot: OrderSnapshot = SNAPSHOT) -> OrderEvent:
    return OrderEvent(1, f"kaira/100238/{kind}/", kind, snapshot, datetime(2026, 12, 7, tzinfo=UTC))


class Rasa:
    """Answers the tracker with a language slot and records appended events."""

    def __init__(self, language: str | None = "sv", error: Exception | None = None) -> None:
        self.language = language
        self.error = error
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        if self.error:
            raise self.error
        return {"slots": {"language": self.language}}

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self.appended.append((conversation_id, events))


def chat(rasa: Rasa) -> RasaOrderChat:
    return RasaOrderChat(rasa, ROOT / "domain.yml")  # type: ignore[arg-type]


def test_shipped_update_in_the_conversations_language_with_the_first_name() -> None:
    rasa = Rasa(language="sv")

    chat(rasa).send("c1", event("shipped"))

    ((conversation, events),) = rasa.appended
    assert conversation == "c1" and len(events) == 1
    text = events[0]["text"]
    assert text.startswith("Hej Sanna! Din beställning 100238 lämnade vårt lager i dag!")
    assert SNAPSHOT.tracking_url and SNAPSHOT.tracking_url in text
    assert events[0]["metadata"] == {"language": "sv"}


def test_late_update_is_sorry_and_offers_a_person() -> None:
    rasa = Rasa(language=None)  # the order's language when the chat has none yet

    chat(rasa).send("c1", event("late", replace(SNAPSHOT, first_name=None)))

    ((_, events),) = rasa.appended
    assert events[0]["text"].startswith("Tilauksesi 100238 piti olla perillä 4.12.2026")
    assert "pahoillani" in events[0]["text"]
    assert [b["payload"] for b in events[0]["data"]["buttons"]] == ["/affirm", "/deny"]
    assert {"event": "slot", "name": "awaiting_answer", "value": "offer_human"} in events
    assert {"event": "slot", "name": "escalation_reason", "value": "late_order"} in events


@pytest.mark.parametrize(
    ("error", "retryable"),
    [(RasaUnavailable("Rasa does not answer"), True), (UnknownConversation("gone"), False)],
)
def test_rasa_failures_become_notification_errors(error: Exception, retryable: bool) -> None:
    with pytest.raises(NotificationError) as caught:
        chat(Rasa(error=error)).send("c1", event("shipped"))

    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    "kind", ["processing", "shipped", "ready_for_pickup", "delivered", "cancelled", "late"]
)
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_event_has_a_text_in_every_language(kind: str, language: str) -> None:
    events = chat(Rasa()).events(event(kind), language)

    assert "100238" in events[0]["text"] and "{" not in events[0]["text"]


def test_ready_for_pickup_says_where_to_pick_up_when_the_order_says() -> None:
    waiting = replace(
        SNAPSHOT, status="ready_for_pickup", pickup_point="Kaira Tampere, Hämeenkatu 5"
    )

    with_place = chat(Rasa()).events(event("ready_for_pickup", waiting), "fi")[0]["text"]
    without = chat(Rasa()).events(event("ready_for_pickup", SNAPSHOT), "en")[0]["text"]

    assert with_place.startswith("Hei Sanna! Hyviä uutisia: tilauksesi 100238 on perillä")
    assert "Noutopaikka: Kaira Tampere, Hämeenkatu 5." in with_place
    assert "ready for pickup" in without and "pick it up at" not in without
