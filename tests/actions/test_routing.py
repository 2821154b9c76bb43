"""A shop question reaches the FAQ or the stock answer, whichever knows it, whatever the intent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions import runtime
from actions.routing import (
    ActionAnswerFaq,
    ActionCheckStock,
    ActionOrderQuestion,
    ActionRequestHuman,
    _live_order_close,
)
from actions.small_talk import ActionSmallTalk
from actions.texts import variation
from bot.errors import ShopUnavailable
from bot.faq.index import Match
from bot.faq.policy import Decision
from bot.faq.service import FaqService, Reply
from bot.shop.models import Product
from bot.shop.service import Found, Wish
from handoff.desk import HandoffDesk
from tests.actions.conftest import DOMAIN, run, slot_events, tracker

TENT = Product("tent", "T-1", {"fi": "Teltta", "sv": "Tält", "en": "Tent"}, {})
STOVE = Product("stove", "S-1", {"fi": "Keitin", "sv": "Kök", "en": "Stove"}, {})


class FakeShop:
    """Finds the tent and the stove for messages that mention "tent"."""

    def search(self, text: str, language: str) -> Found:
        if "stove" in text:
            return Found("one", [STOVE])
        if text == "tents":  # nothing but a product's name
            return Found("several", [TENT, STOVE], named=True)
        return Found("several", [TENT, STOVE]) if "tent" in text else Found("none", [])

    def stock(self, product: Product, wish: Wish) -> list[object]:
        raise ShopUnavailable("the shop system did not answer")

    def wish(self, text: str) -> Wish:
        return Wish({"colour": "green"}) if "green" in text else Wish()


@pytest.fixture(autouse=True)
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShop]:
    fake = FakeShop()
    monkeypatch.setattr(runtime, "_shop", fake)
    yield fake


def _payloads(message: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in message.get("buttons") or []]


def test_a_stock_question_the_faq_cannot_place_gets_the_products() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("any tent in green", "ask_faq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]
    assert _payloads(messages[0]) == [
        '/choose_product{"product_id":"tent"}',
        '/choose_product{"product_id":"stove"}',
    ]


def test_the_faq_s_buttons_stay_when_nothing_reads_like_a_stock_question() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("any tent delivery", "ask_faq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]


def test_a_faq_question_filed_as_stock_gets_the_faq_answer() -> None:
    messages, _ = run(
        ActionCheckStock(), tracker("Kauanko toimitus kestää?", "check_stock", language="fi")
    )
    assert messages[0]["text"] == "Toimitus kestää 1-3 arkipäivää."


def test_a_stock_question_naming_nothing_the_shop_sells_says_so() -> None:
    messages, _ = run(ActionCheckStock(), tracker("zzzz qqqq", "check_stock", language="en"))
    assert [m["text"] for m in messages] == [
        variation(DOMAIN, "utter_stock_no_product", "en")["text"]
    ]


def test_a_question_neither_knows_falls_back_as_before() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("zzzz qqqq", "ask_faq", language="en"))
    assert [m["text"] for m in messages] == [variation(DOMAIN, "utter_fallback", "en")["text"]]


def test_a_shop_system_that_does_not_answer_offers_a_person() -> None:
    messages, events = run(
        ActionAnswerFaq(), tracker("is the stove in green", "ask_faq", language="en")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_shop_unavailable", "en")["text"]
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "escalation_reason",
        "value": "shop_down",
    } in events


def test_a_product_named_without_a_stock_cue_keeps_the_faq_s_reply() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("do you repair tents", "ask_faq", language="en"))
    assert messages[0]["text"] != variation(DOMAIN, "utter_stock_which_product", "en")["text"]


LIVE_ORDER_ENTRY = """\
topic: orders
entries:
  - id: order_tracking
    questions:
      en: ["How can I track my order?"]
    answer:
      en: "We e-mail you a tracking link when your parcel leaves."
    live_order: true
"""


def _route(events: list[dict[str, Any]]) -> str | None:
    """Where the order question went: the ``order_route`` slot the rules branch on."""
    routes = [e["value"] for e in events if e.get("event") == "slot" and e["name"] == "order_route"]
    assert len(routes) == 1, events
    return str(routes[0])


def test_an_order_question_with_an_order_number_goes_to_the_order_form() -> None:
    messages, events = run(
        ActionOrderQuestion(), tracker("where is order 100234 with the stove", "order_status")
    )
    assert messages == []
    assert _route(events) == "form"


def test_a_product_taken_for_an_order_question_gets_its_stock() -> None:
    # "gore-tex juoksukengät 42": the size looked like an order to Rasa
    messages, events = run(
        ActionOrderQuestion(), tracker("green stove", "order_status", language="en")
    )
    assert _route(events) == "elsewhere"
    assert messages[0]["text"] == variation(DOMAIN, "utter_shop_unavailable", "en")["text"]


def test_one_product_found_without_a_size_or_colour_leaves_an_order_question_on_the_form() -> None:
    # product search finds "one" product for many an order question ("missä tilaukseni on?")
    question = tracker("where is my stove", "order_status", language="en")
    messages, events = run(ActionOrderQuestion(), question)
    assert _route(events) == "form"
    assert messages == []


def test_faq_questions_leave_the_order_form_only_when_the_faq_marks_its_live_order_entries(
    service: FaqService, faq_dir: Path
) -> None:
    question = tracker("How long does delivery take?", "order_status", language="en")
    _, events = run(ActionOrderQuestion(), question)
    assert _route(events) == "form"  # no entry marked: the form keeps them
    (faq_dir / "orders.yml").write_text(LIVE_ORDER_ENTRY, encoding="utf-8")
    assert service.reload_if_changed()
    messages, events = run(ActionOrderQuestion(), question)
    assert _route(events) == "elsewhere"
    assert messages[0]["text"] == "Delivery takes 1-3 working days."
    _, events = run(
        ActionOrderQuestion(), tracker("How can I track my order?", "order_status", language="en")
    )
    assert _route(events) == "form"  # the live status answers that one


CANCEL_ANSWER = "You can cancel an order within an hour of placing it."
CANCEL_ENTRY = """\
  - id: order_cancel
    questions:
      en: ["Can I cancel my order?"]
    answer:
      en: "You can cancel an order within an hour of placing it."
"""


def test_a_request_to_cancel_an_order_gets_the_faq_not_the_order_form(
    service: FaqService, faq_dir: Path
) -> None:
    (faq_dir / "orders.yml").write_text(LIVE_ORDER_ENTRY + CANCEL_ENTRY, encoding="utf-8")
    assert service.reload_if_changed()
    question = tracker("please cancel my order, I changed my mind", "order_status", language="en")
    assert service.answer("please cancel my order, I changed my mind", "en").matches[0].id == (
        "order_cancel"
    )
    messages, events = run(ActionOrderQuestion(), question)
    assert _route(events) == "elsewhere"
    # its answer, or its button among the FAQ's
    shown = [m.get("text") for m in messages] + [p for m in messages for p in _payloads(m)]
    assert CANCEL_ANSWER in shown or any("order_cancel" in str(p) for p in shown), messages
    # without words of a change the live status keeps the question
    _, events = run(
        ActionOrderQuestion(), tracker("my order has not come", "order_status", language="en")
    )
    assert _route(events) == "form"


def test_a_product_taken_for_a_request_for_a_person_gets_its_stock(desk: HandoffDesk) -> None:
    messages, _ = run(ActionRequestHuman(), tracker("stove", "request_human", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_shop_unavailable", "en")["text"]
    assert desk.store.list_tickets() == []


def test_a_faq_question_taken_for_a_request_for_a_person_still_escalates(
    desk: HandoffDesk,
) -> None:
    # "kundtjänst tack" reads like the contact-hours entry, but it asks for a person; a message
    # that asks about none of the things a question about people asks (languages, hours, a
    # number, a cost, how many, a gift) keeps Rasa's guess even when the FAQ answers it
    run(ActionRequestHuman(), tracker("Kauanko toimitus kestää?", "request_human", language="fi"))
    assert len(desk.store.list_tickets()) == 1


def test_a_question_about_something_the_faq_answers_is_answered_not_escalated(
    desk: HandoffDesk,
) -> None:
    messages, _ = run(
        ActionRequestHuman(), tracker("When will my parcel arrive?", "request_human", language="en")
    )
    assert messages[0]["text"] == "Delivery takes 1-3 working days."
    assert desk.store.list_tickets() == []


def test_a_question_about_a_product_s_people_gets_the_products(desk: HandoffDesk) -> None:
    messages, _ = run(
        ActionRequestHuman(),
        tracker("how many persons does the tent take?", "request_human", language="en"),
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]
    assert desk.store.list_tickets() == []


def test_thanks_for_help_already_given_is_thanked_back(desk: HandoffDesk) -> None:
    messages, _ = run(
        ActionRequestHuman(),
        tracker("thanks, the shop assistant already helped me", "request_human", language="en"),
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_youre_welcome", "en")["text"]
    assert desk.store.list_tickets() == []


@pytest.mark.parametrize(
    "text",
    [
        "When will my parcel arrive? I want to talk to a person",
        "can someone tell me when my parcel will arrive?",
        "thanks, you already helped, but could somebody call me",
        "is an agent free when my parcel arrives?",
    ],
)
def test_a_question_with_the_words_of_a_request_still_escalates(
    desk: HandoffDesk, text: str
) -> None:
    run(ActionRequestHuman(), tracker(text, "request_human", language="en"))
    assert len(desk.store.list_tickets()) == 1


def test_the_words_of_a_request_for_a_person_always_escalate(desk: HandoffDesk) -> None:
    for text in ("I want to talk to a person about the stove", "hmm"):
        run(ActionRequestHuman(), tracker(text, "request_human", language="en"))
    assert len(desk.store.list_tickets()) == 1  # same sender: one ticket, found again


def test_a_product_filed_as_small_talk_gets_its_stock() -> None:
    messages, _ = run(ActionSmallTalk(), tracker("stove", "thanks", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_shop_unavailable", "en")["text"]


def test_a_stock_question_about_nothing_we_sell_says_so() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("zzyzx qwkvj in stock", "ask_faq", language="en"))
    no_product = variation(DOMAIN, "utter_stock_no_product", "en")["text"].split("{")[0]
    assert messages[0]["text"].startswith(no_product)


def in_order_form(text: str, intent: str = "ask_faq") -> Any:
    """A message while the order form waits for the order number."""
    track = tracker(text, intent, language="fi", requested_slot="order_number", order_route="form")
    track.active_loop = {"name": "order_status_form"}
    return track


LEFT_FI = variation(DOMAIN, "utter_order_form_left_for_question", "fi")["text"]


def test_a_faq_answer_inside_the_order_form_leaves_the_form() -> None:
    messages, events = run(ActionAnswerFaq(), in_order_form("Kauanko toimitus kestää?"))
    assert [m["text"] for m in messages][:2] == [LEFT_FI, "Toimitus kestää 1-3 arkipäivää."]
    assert {"event": "active_loop", "timestamp": None, "name": None} in events
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["order_number"] is None


def test_a_stock_answer_inside_the_order_form_leaves_the_form() -> None:
    messages, events = run(ActionCheckStock(), in_order_form("any tent", "check_stock"))
    assert messages[0]["text"] == LEFT_FI
    assert messages[1]["text"] == variation(DOMAIN, "utter_stock_which_product", "fi")["text"]
    assert {"event": "active_loop", "timestamp": None, "name": None} in events


def test_a_message_the_faq_does_not_know_keeps_the_order_form() -> None:
    messages, events = run(ActionAnswerFaq(), in_order_form("zzzz qqqq"))
    assert [m["text"] for m in messages] == [variation(DOMAIN, "utter_fallback", "fi")["text"]]
    assert not [e for e in events if e.get("event") == "active_loop"]
    assert "requested_slot" not in slot_events(events)


def test_a_faq_answer_outside_a_form_says_nothing_about_orders() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("Kauanko toimitus kestää?", language="fi"))
    assert LEFT_FI not in [m["text"] for m in messages]
    assert not [e for e in events if e.get("event") == "active_loop"]


STOCK_ENTRIES = """\
topic: stock
entries:
  - id: stock_availability
    questions:
      en: ["Is the tent in stock?"]
    answer:
      en: "Every product page shows its stock."
  - id: restock_date
    questions:
      en: ["When is the tent back in stock?"]
    answer:
      en: "Sold-out products show their restock date."
"""


def test_a_question_asking_whether_we_have_it_gets_the_products() -> None:
    # no size, colour or store, several products found: "got any Erä left?"
    messages, _ = run(ActionAnswerFaq(), tracker("have you got a tent?", "ask_faq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]


def test_in_stock_beats_the_faq_s_general_answer_about_stock(
    service: FaqService, faq_dir: Path
) -> None:
    (faq_dir / "stock.yml").write_text(STOCK_ENTRIES, encoding="utf-8")
    assert service.reload_if_changed()
    messages, _ = run(ActionAnswerFaq(), tracker("Is the tent in stock?", "ask_faq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]
    # when it comes back is the FAQ's restock answer
    messages, _ = run(
        ActionAnswerFaq(), tracker("When is the tent back in stock?", "ask_faq", language="en")
    )
    assert messages[0]["text"] == "Sold-out products show their restock date."


def test_asking_for_something_we_do_not_sell_says_so_and_keeps_the_faq_s_buttons() -> None:
    # "har ni kanoter": no product found, the FAQ unsure
    messages, _ = run(
        ActionCheckStock(), tracker("do you have delivery or return", "check_stock", language="en")
    )
    texts = [m["text"] for m in messages]
    assert texts[0] == variation(DOMAIN, "utter_stock_no_product", "en")["text"]
    assert texts[1] == variation(DOMAIN, "utter_clarify", "en")["text"]
    assert _payloads(messages[1])


def test_asking_whether_we_sell_something_unknown_says_so() -> None:
    messages, _ = run(
        ActionAnswerFaq(), tracker("do you sell zzyzx", "out_of_scope", language="en")
    )
    assert [m["text"] for m in messages] == [
        variation(DOMAIN, "utter_stock_no_product", "en")["text"]
    ]


def test_a_stock_question_taken_for_a_request_for_a_person_gets_no_ticket(
    desk: HandoffDesk,
) -> None:
    messages, _ = run(
        ActionRequestHuman(), tracker("any tents in stock?", "request_human", language="en")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]
    messages, _ = run(
        ActionRequestHuman(), tracker("any zzyzx in stock?", "request_human", language="en")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_no_product", "en")["text"]
    assert desk.store.list_tickets() == []
    run(
        ActionRequestHuman(),
        tracker("I want to talk to a person: tents in stock?", "request_human"),
    )
    assert len(desk.store.list_tickets()) == 1


@pytest.mark.parametrize(
    "text", ["do you have someone who knows about tents", "voisko joku tarkistaa varastosta"]
)
def test_a_stock_question_naming_someone_keeps_the_request_for_a_person(
    desk: HandoffDesk, text: str
) -> None:
    run(ActionRequestHuman(), tracker(text, "request_human", language="en"))
    assert len(desk.store.list_tickets()) == 1


def test_availability_taken_for_an_order_question_gets_the_stock() -> None:
    messages, events = run(
        ActionOrderQuestion(), tracker("tent availability", "order_status", language="en")
    )
    assert _route(events) == "elsewhere"
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]


@pytest.mark.parametrize(
    ("action", "intent"),
    [
        (ActionSmallTalk(), "greet"),
        (ActionAnswerFaq(), "out_of_scope"),
        (ActionOrderQuestion(), "order_status"),
    ],
)
def test_nothing_but_a_product_s_name_gets_the_products_whatever_the_intent(
    action: Any, intent: str
) -> None:
    # "tents" taken for a greeting, "revontuli" for off-topic, "kiilo 900" for an order number
    messages, _ = run(action, tracker("tents", intent, language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]


def test_asking_whether_we_sell_something_unknown_filed_as_small_talk_says_so() -> None:
    messages, _ = run(ActionSmallTalk(), tracker("do you sell zzyzx?", "thanks", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_no_product", "en")["text"]


def test_a_live_order_entry_in_the_window_counts_after_an_entry_outside_it(
    service: FaqService, faq_dir: Path
) -> None:
    # with retrieval.row_temperature the ranking need not follow the scores: an entry ranked
    # third may score within the clarify window of the first after one that does not
    (faq_dir / "orders.yml").write_text(LIVE_ORDER_ENTRY, encoding="utf-8")
    assert service.reload_if_changed()
    window = service.thresholds.policy.clarify_window
    matches = [
        Match("delivery_time", 0.90),
        Match("return_period", 0.90 - 2 * window),
        Match("order_tracking", 0.91),
    ]
    assert _live_order_close(Reply("en", Decision("clarify", ()), matches))
    assert not _live_order_close(Reply("en", Decision("clarify", ()), matches[:2]))


# a problem with the shopper's own item is the FAQ's (warranty, damage, returns), not stock
@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionCheckStock(), "check_stock"), (ActionAnswerFaq(), "ask_faq")],
)
def test_a_problem_with_an_owned_product_gets_the_faq_not_its_stock(
    action: Any, intent: str
) -> None:
    # before: Rasa's check_stock gave the tents found as buttons
    messages, _ = run(action, tracker("the tent I bought leaks", intent, language="en"))
    assert [m["text"] for m in messages] == [variation(DOMAIN, "utter_fallback", "en")["text"]]


def test_one_owned_product_with_a_fault_gets_no_stock() -> None:
    # before: one product found and nothing from the FAQ gave the stove's stock
    messages, _ = run(ActionAnswerFaq(), tracker("stove is faulty", "ask_faq", language="en"))
    assert [m["text"] for m in messages] == [variation(DOMAIN, "utter_fallback", "en")["text"]]


def test_an_owned_product_s_damage_taken_for_a_stock_question_gets_the_faq_answer() -> None:
    # before: Rasa's check_stock let the tents found beat the FAQ's answer
    messages, _ = run(
        ActionCheckStock(), tracker("my tent arrived broken", "check_stock", language="en")
    )
    assert messages[0]["text"] == "Send us a photo and we will replace it."


def test_a_problem_that_asks_whether_we_have_one_gets_the_products_when_the_faq_has_nothing(
    service: FaqService,
) -> None:
    text = "stove is faulty, do you sell a stove"
    assert service.answer(text, "en").decision.kind == "fallback"
    messages, _ = run(ActionCheckStock(), tracker(text, "check_stock", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_shop_unavailable", "en")["text"]


def test_a_problem_with_the_words_of_stock_gets_the_stock() -> None:
    messages, _ = run(
        ActionCheckStock(),
        tracker("my tent broke, is the green tent in stock", "check_stock", language="en"),
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]


def test_a_problem_after_thanks_is_a_shop_question() -> None:
    # before: "you're welcome"
    messages, _ = run(
        ActionSmallTalk(), tracker("thanks, but my tent arrived broken", "thanks", language="en")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]
    assert '/choose_faq{"faq_id":"damaged_item"}' in _payloads(messages[0])


def test_a_fault_after_thanks_gets_no_stock() -> None:
    # before: the stove found clearly gave its stock (here: the shop system is down)
    messages, _ = run(
        ActionSmallTalk(), tracker("thanks, the stove leaks", "thanks", language="en")
    )
    assert [m["text"] for m in messages] == [variation(DOMAIN, "utter_fallback", "en")["text"]]


def test_an_owned_product_s_damage_taken_for_a_request_for_a_person_gets_the_faq_answer(
    desk: HandoffDesk,
) -> None:
    # before: a ticket, though the message asks for no one and the FAQ answers it
    messages, _ = run(
        ActionRequestHuman(), tracker("my tent arrived broken", "request_human", language="en")
    )
    assert messages[0]["text"] == "Send us a photo and we will replace it."
    assert desk.store.list_tickets() == []


def test_an_owned_product_s_damage_with_a_request_for_a_person_still_escalates(
    desk: HandoffDesk,
) -> None:
    run(
        ActionRequestHuman(),
        tracker("my tent arrived broken, can someone help", "request_human", language="en"),
    )
    assert len(desk.store.list_tickets()) == 1


# an answer only the question's words confirm (below the answer threshold) is not firm
def _confirmed_answer(entry: str) -> Reply:
    return Reply("en", Decision("answer", (entry,), firm=False), [Match(entry, 0.88)])


def test_a_product_named_with_its_colour_beats_an_answer_only_its_words_confirm(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "kuorihousut koko M, onko?": "koko" confirms the size guide; the product and its size win
    monkeypatch.setattr(service, "answer", lambda text, lang: _confirmed_answer("delivery_time"))
    messages, _ = run(ActionAnswerFaq(), tracker("green tent", "ask_faq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_stock_which_product", "en")["text"]


def test_something_we_do_not_sell_says_so_before_an_answer_only_its_words_confirm(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "onko kalastusvapoja varastossa": no such product, then the FAQ's answer
    monkeypatch.setattr(service, "answer", lambda text, lang: _confirmed_answer("delivery_time"))
    messages, _ = run(
        ActionCheckStock(), tracker("do you have canoes in stock", "check_stock", language="en")
    )
    texts = [m["text"] for m in messages]
    assert texts[0] == variation(DOMAIN, "utter_stock_no_product", "en")["text"]
    assert texts[1] == service.faq.get("delivery_time").answer["en"]


def test_an_answer_only_its_words_confirm_is_given_when_nothing_reads_like_stock(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "answer", lambda text, lang: _confirmed_answer("delivery_time"))
    messages, _ = run(ActionAnswerFaq(), tracker("how soon will it come", "ask_faq", language="en"))
    assert messages[0]["text"] == service.faq.get("delivery_time").answer["en"]
