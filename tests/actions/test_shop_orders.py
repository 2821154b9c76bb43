"""The order status form: wrong proofs are limited per conversation and per order number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import runtime
from actions.shop_orders import ActionOrderStatus, ValidateOrderStatusForm
from bot.errors import ShopUnavailable
from bot.shop.attempts import AttemptLimiter, AttemptLimits
from bot.shop.notifications import RestockStore
from bot.shop.search import ProductSearch
from bot.shop.service import ShopService
from bot.shop.sqlite import SqliteShop
from tests.actions.conftest import run, slot_events
from tests.bot.shop.small_shop import write_small_shop
from tests.fakes import HashingEncoder

NOT_FOUND = "I couldn't find an order with that number"
LOCKED = "I can't check this order in the chat right now"
RIGHT, WRONG = "00100", "00199"  # postal codes; order 100001 is Aino's, 00100


@pytest.fixture
def backend(tmp_path: Path) -> SqliteShop:
    return SqliteShop(write_small_shop(tmp_path / "shop"), tmp_path / "db", check_interval=0)


@pytest.fixture(autouse=True)
def shop(
    backend: SqliteShop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ShopService]:
    """The small shop with the default limits (5 per order number, 3 per conversation)."""
    service = ShopService(
        backend,
        ProductSearch(backend.products(), HashingEncoder()),
        RestockStore(tmp_path / "restock.db"),
        AttemptLimiter(tmp_path / "attempts.db", AttemptLimits()),
    )
    monkeypatch.setattr(runtime, "_shop", service)
    yield service


def form_turn(sender: str, text: str, intent: str = "inform", **slots: Any) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"language": "en", **slots},
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "order_status_form"},
        latest_action_name=None,
    )


def prove(sender: str, number: str, proof: str, **slots: Any) -> tuple[str, dict[str, Any]]:
    """The shopper answers the proof question; the bot's texts and the slots set.

    When the form is done, ``action_order_status`` runs next, as the rule says.
    """
    asked = {"requested_slot": "order_proof", "order_number": number, **slots}
    said, events = run(ValidateOrderStatusForm(), form_turn(sender, proof, **asked))
    set_slots = slot_events(events)
    texts = [m["text"] for m in said]
    if set_slots.get("order_locked") or set_slots.get("order_proof"):
        done = {**asked, **set_slots}
        more, status_events = run(ActionOrderStatus(), form_turn(sender, proof, **done))
        texts += [m["text"] for m in more]
        set_slots.update(slot_events(status_events))
    return " ".join(texts), set_slots


def test_guessing_from_new_conversations_stops_even_for_the_right_proof() -> None:
    replies = [prove(f"guess-{i}", "100001", WRONG)[0] for i in range(5)]

    assert all(NOT_FOUND in reply for reply in replies[:4]), replies
    assert LOCKED in replies[4] and "talk to a person" in replies[4], replies
    reply, slots = prove("the-owner", "100001", RIGHT)
    assert LOCKED in reply and "JJFI1" not in reply and "100001" not in reply, reply
    assert slots["awaiting_answer"] == "offer_human"
    assert slots["escalation_reason"] == "order_verification"


def test_an_unknown_order_number_gets_the_same_replies() -> None:
    known = [prove(f"known-{i}", "100001", WRONG)[0] for i in range(6)]
    unknown = [prove(f"unknown-{i}", "999999", WRONG)[0] for i in range(6)]

    assert known == unknown
    assert LOCKED in known[-1]


def test_the_conversation_stops_asking_after_three_wrong_proofs() -> None:
    replies, slots = [], {}
    for number in ("100001", "100002", "100003"):
        reply, slots = prove("walker", number, WRONG, order_attempts=slots.get("order_attempts"))
        replies.append(reply)
    assert LOCKED in replies[2] and NOT_FOUND not in replies[2], replies

    # a new "where is my order 100002?" in the same conversation, with the slots as they are now
    restart = form_turn(
        "walker",
        "where is my order 100002?",
        intent="order_status",
        order_attempts=slots.get("order_attempts"),
    )
    said, events = run(ValidateOrderStatusForm(), restart)

    assert LOCKED in " ".join(m["text"] for m in said)
    assert slot_events(events)["order_locked"] is True
    reply, _ = prove("walker", "100002", "33100")  # the right postal code of 100002
    assert LOCKED in reply and "delivered" not in reply, reply


def test_the_right_proof_shows_the_order_and_does_not_count() -> None:
    for i in range(6):
        reply, slots = prove("owner", "100001", RIGHT)
        assert "on its way" in reply and "JJFI1" in reply, (i, reply)
        assert "order_number" not in slots  # kept: a follow-up needs no second proof
        assert slots["order_attempts"] == 0


def test_the_shop_down_in_the_form_offers_a_person(
    backend: SqliteShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(number: str, proof: str) -> None:
        raise ShopUnavailable("WooCommerce is not answering")

    monkeypatch.setattr(backend, "order", down)

    reply, slots = prove("patient", "100001", RIGHT)

    assert "connect you with a person" in reply, reply
    assert slots["awaiting_answer"] == "offer_human"
    assert slots["escalation_reason"] == "shop_down"


def test_one_address_is_limited_across_its_conversations() -> None:
    def from_address(sender: str, number: str, proof: str, address: str) -> str:
        asked = {"requested_slot": "order_proof", "order_number": number}
        turn = form_turn(sender, proof, **asked)
        turn.latest_message["metadata"] = {"client_address": address}
        said, _ = run(ValidateOrderStatusForm(), turn)
        return " ".join(m["text"] for m in said)

    # ten wrong proofs for ten different numbers, each from a new conversation
    replies = [from_address(f"a{i}", f"90000{i}", WRONG, "203.0.113.9") for i in range(10)]

    assert all(NOT_FOUND in reply for reply in replies[:9]) and LOCKED in replies[9], replies
    assert LOCKED in from_address("a-new", "100001", RIGHT, "203.0.113.9")
    assert LOCKED not in from_address("elsewhere", "100001", RIGHT, "198.51.100.7")


def follow_up(
    sender: str, text: str, state: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A later message of the same chat starts the form again with the slots as they are."""
    said, events = run(ValidateOrderStatusForm(), form_turn(sender, text, **state))
    return said, {**state, **slot_events(events)}


def test_a_follow_up_about_the_same_order_needs_no_second_proof() -> None:
    _, slots = prove("returning", "100001", RIGHT)
    state = {"order_number": "100001", "order_proof": RIGHT, **slots}

    said, after = follow_up("returning", "where is it now?", state)
    more, _ = run(ActionOrderStatus(), form_turn("returning", "where is it now?", **after))

    # nothing to ask: Rasa's form finds every slot filled and the status is answered
    assert said == [] and after["order_number"] == "100001" and after["order_proof"] == RIGHT
    assert "JJFI1" in " ".join(m["text"] for m in more)


def test_a_follow_up_about_another_order_asks_for_its_proof() -> None:
    _, slots = prove("returning", "100001", RIGHT)
    state = {"order_number": "100001", "order_proof": RIGHT, **slots}

    said, after = follow_up("returning", "and order 100002?", state)

    # the proof is empty again, so Rasa's form asks for it; the empty one is no wrong try
    assert after["order_number"] == "100002" and after["order_proof"] is None
    assert said == [] and after["order_attempts"] == 0


def test_the_verified_shopper_is_thanked_by_first_name() -> None:
    reply, _ = prove("aino", "100001", RIGHT)
    other, _ = prove("sam", "100002", "33100")

    assert reply.startswith("Thanks, Aino! I found your order.")
    assert "Thanks," not in other  # no name on that order: no greeting


def test_an_order_ready_for_pickup_says_where_and_is_not_late() -> None:
    reply, _ = prove("pickup", "100004", RIGHT)  # its expected date has passed

    assert "Your order 100004 has arrived and is ready for pickup!" in reply, reply
    assert "You can pick it up at: Kaira Tampere, Hämeenkatu 5." in reply
    assert "running late" not in reply and "{" not in reply
