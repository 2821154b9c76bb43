"""Classifying the running bot's reply: answered, clarified or other (and which response)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.e2e.client import BotMessage, Button
from bot.e2e.replies import Classified, ReplyClassifier, chosen_ids
from bot.faq.loader import load_faq
from bot.responses import ResponseRecogniser, load_responses
from bot.shop.models import Product
from tests.conftest import ROOT

GOODBYE_SV = "Tack för pratstunden och ha det så bra ute i naturen! Hej då!"
DID_THAT_HELP_EN = "Did that answer your question?"


def product(product_id: str, fi: str, en: str) -> Product:
    return Product(id=product_id, sku=product_id.upper(), name={"fi": fi, "en": en}, description={})


PRODUCTS = (
    product("trail_runner", "Trail Runner -polkujuoksukengät", "Trail Runner trail running shoes"),
    product("trail_runner_gtx", "Trail Runner GTX", "Trail Runner GTX trail running shoes"),
    product("tykky", "Tykky pipo", "Tykky beanie"),
)


@pytest.fixture(scope="module")
def recogniser() -> ResponseRecogniser:
    return ResponseRecogniser(load_responses(ROOT / "domain.yml"))


@pytest.fixture
def classifier(faq_dir: Path, recogniser: ResponseRecogniser) -> ReplyClassifier:
    return ReplyClassifier(load_faq(faq_dir), recogniser, PRODUCTS)


def choose_faq(entry_id: str) -> Button:
    return Button(entry_id, '/choose_faq{"faq_id":"' + entry_id + '"}')


def test_an_answer_in_the_reply_is_answered_with_its_entry(classifier: ReplyClassifier) -> None:
    reply = [BotMessage("Delivery takes 1-3 working days."), BotMessage(DID_THAT_HELP_EN)]
    assert classifier.faq(reply) == Classified("answered", ("delivery_time",))


def test_the_answer_is_found_whatever_the_spacing_case_and_language(
    classifier: ReplyClassifier,
) -> None:
    sent = "Tämä vastaus on vain englanniksi.\n\nYOU CAN  RETURN products within 30 days."
    assert classifier.faq([BotMessage(sent)]).offered == ("return_period",)
    swedish = [BotMessage("Leveransen tar 1-3 vardagar.")]
    assert classifier.faq(swedish) == Classified("answered", ("delivery_time",))


def test_clarification_buttons_give_the_offered_entries(classifier: ReplyClassifier) -> None:
    reply = [
        BotMessage(
            "I found a few topics that might match. Which one did you mean?",
            (choose_faq("delivery_time"), choose_faq("return_period"), choose_faq("none")),
        )
    ]
    assert classifier.faq(reply) == Classified("clarified", ("delivery_time", "return_period"))


def test_buttons_that_choose_nothing_are_no_clarification(classifier: ReplyClassifier) -> None:
    fallback = BotMessage(
        "Sorry, I didn't quite catch that. Could you say it in other words?",
        (Button("Talk to a person", "/request_human"), Button("x", "/choose_faq{broken")),
    )
    assert classifier.faq([fallback]) == Classified("other", response="utter_default")


def test_a_goodbye_is_other_and_recognised_as_utter_goodbye(classifier: ReplyClassifier) -> None:
    reply = [BotMessage(GOODBYE_SV), BotMessage("Var det lätt att få hjälp idag?")]
    assert classifier.faq(reply) == Classified("other", response="utter_goodbye")


def test_the_first_recognised_message_names_the_reply(classifier: ReplyClassifier) -> None:
    reply = [BotMessage("something the domain does not have"), BotMessage(GOODBYE_SV)]
    assert classifier.faq(reply).response == "utter_goodbye"
    assert classifier.faq([BotMessage("no such response")]) == Classified("other")


def test_a_reply_with_placeholders_filled_is_recognised(classifier: ReplyClassifier) -> None:
    text = (
        "Okej, jag kopplar dig till någon i vår kundtjänst. Du är nummer 7 i kön och den "
        "uppskattade väntetiden är cirka 4 min. Skriv gärna mer om ditt ärende här under tiden, "
        "så ser personen det direkt."
    )
    assert classifier.response_of([BotMessage(text)]) == "utter_handoff_queued"
    assert classifier.response_of([BotMessage(text.replace("kön", "butiken"))]) is None


def test_a_stock_answer_names_the_product_the_longest_name_winning(
    classifier: ReplyClassifier,
) -> None:
    gtx = [BotMessage("Trail Runner GTX trail running shoes (42, black): 3 in stock online.")]
    assert classifier.stock(gtx) == Classified("answered", ("trail_runner_gtx",))
    plain = [BotMessage("Trail Runner -polkujuoksukengät: verkkokaupassa 4 kpl.")]
    assert classifier.stock(plain) == Classified("answered", ("trail_runner",))


def test_product_buttons_are_a_stock_clarification(classifier: ReplyClassifier) -> None:
    buttons = tuple(
        Button(p.name["en"], '/choose_product{"product_id":"' + p.id + '"}') for p in PRODUCTS[:2]
    )
    reply = [BotMessage("I found a few products. Which one did you mean?", buttons)]
    assert classifier.stock(reply) == Classified("clarified", ("trail_runner", "trail_runner_gtx"))
    assert classifier.faq(reply).outcome == "other"  # no FAQ entry offered


def test_a_stock_question_answered_from_the_faq_is_other(classifier: ReplyClassifier) -> None:
    reply = [BotMessage("Delivery takes 1-3 working days.")]
    assert classifier.stock(reply) == Classified("other", response="faq:delivery_time")


def test_a_stock_reply_saying_there_is_no_such_product(classifier: ReplyClassifier) -> None:
    reply = [BotMessage("Jag hittade ingen produkt i vårt sortiment som passar din fråga. Kan du "
                        "skriva produktens namn eller artikelnummer?")]  # fmt: skip
    assert classifier.stock(reply) == Classified("other", response="utter_stock_no_product")


def test_chosen_ids_keep_order_and_drop_duplicates() -> None:
    messages = [
        BotMessage("a", (choose_faq("b"), choose_faq("a"))),
        BotMessage("", (choose_faq("b"),)),
    ]
    assert chosen_ids(messages, "choose_faq", "faq_id") == ("b", "a")
    assert chosen_ids(messages, "choose_product", "product_id") == ()
