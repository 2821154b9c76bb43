"""Small talk keeps its replies, but a shop question filed under it is answered from the FAQ."""

from __future__ import annotations

from actions.small_talk import ActionSmallTalk
from actions.texts import variation
from tests.actions.conftest import DOMAIN, run, slot_events, tracker


def _texts(messages: list[dict[str, object]]) -> list[object]:
    return [m.get("text") for m in messages]


def test_a_question_filed_as_goodbye_is_answered_from_the_faq() -> None:
    messages, events = run(
        ActionSmallTalk(), tracker("Kauanko toimitus kestää?", "goodbye", language="fi")
    )
    assert _texts(messages)[0] == "Toimitus kestää 1-3 arkipäivää."
    assert variation(DOMAIN, "utter_goodbye", "fi")["text"] not in _texts(messages)
    assert slot_events(events)["last_faq_id"] == "delivery_time"


def test_a_goodbye_is_a_goodbye_and_asks_how_easy_it_was() -> None:
    messages, events = run(ActionSmallTalk(), tracker("hei hei", "goodbye", language="fi"))
    assert _texts(messages) == [
        variation(DOMAIN, "utter_goodbye", "fi")["text"],
        variation(DOMAIN, "utter_ask_satisfaction", "fi")["text"],
    ]
    assert slot_events(events) == {"satisfaction_asked": True}


def test_thanks_greetings_and_the_bot_question_keep_their_replies() -> None:
    cases = [
        ("thanks a lot", "thanks", "utter_youre_welcome"),
        ("hello there", "greet", "utter_greet"),
        ("are you a robot", "bot_challenge", "utter_bot_challenge"),
    ]
    for text, intent, response in cases:
        messages, _ = run(ActionSmallTalk(), tracker(text, intent, language="en"))
        assert _texts(messages)[0] == variation(DOMAIN, response, "en")["text"], text


def test_a_goodbye_without_a_farewell_gets_the_faq_s_buttons_not_a_goodbye() -> None:
    messages, events = run(ActionSmallTalk(), tracker("delivery?", "goodbye", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]
    assert variation(DOMAIN, "utter_goodbye", "en")["text"] not in _texts(messages)
    assert "satisfaction_asked" not in slot_events(events)


def test_a_bot_challenge_that_names_no_bot_is_not_told_it_is_talking_to_a_bot() -> None:
    for text in ("is there a warranty", "delivery?"):
        messages, _ = run(ActionSmallTalk(), tracker(text, "bot_challenge", language="en"))
        assert variation(DOMAIN, "utter_bot_challenge", "en")["text"] not in _texts(messages)
        assert messages, text


def test_thanks_and_greetings_without_their_words_are_shop_questions() -> None:
    for text, intent in (("delivery?", "thanks"), ("delivery?", "greet")):
        messages, _ = run(ActionSmallTalk(), tracker(text, intent, language="en"))
        assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"], intent


def test_a_stop_with_no_word_of_stopping_is_a_shop_question() -> None:
    messages, _ = run(ActionSmallTalk(), tracker("delivery?", "stop", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]
    messages, _ = run(ActionSmallTalk(), tracker("zzkx qwv", "stop", language="en"))
    assert variation(DOMAIN, "utter_anything_else", "en")["text"] not in _texts(messages)
    messages, _ = run(ActionSmallTalk(), tracker("forget it", "stop", language="en"))
    assert _texts(messages) == [variation(DOMAIN, "utter_anything_else", "en")["text"]]


def test_yes_and_no_still_answer_the_bot_s_question() -> None:
    messages, events = run(
        ActionSmallTalk(), tracker("yes", "affirm", language="en", awaiting_answer="feedback")
    )
    assert _texts(messages) == [variation(DOMAIN, "utter_glad_to_help", "en")["text"]]
    assert slot_events(events)["awaiting_answer"] is None


def test_a_bare_no_with_a_close_faq_match_offers_the_entries() -> None:
    messages, _ = run(ActionSmallTalk(), tracker("delivery?", "deny", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]  # type: ignore[index]
    assert any("delivery_time" in p for p in payloads)


def test_a_bare_yes_without_a_question_asks_what_else() -> None:
    messages, _ = run(ActionSmallTalk(), tracker("yes", "affirm", language="en"))
    assert _texts(messages) == [variation(DOMAIN, "utter_anything_else", "en")["text"]]


def test_a_no_that_asks_a_new_question_gets_that_question_answered() -> None:
    messages, events = run(
        ActionSmallTalk(),
        tracker(
            "no, but how long does delivery take?",
            "deny",
            language="en",
            awaiting_answer="feedback",
        ),
    )
    assert _texts(messages)[0] == "Delivery takes 1-3 working days."
    assert slot_events(events)["last_faq_id"] == "delivery_time"


def test_a_no_that_only_says_it_did_not_help_still_offers_a_person() -> None:
    for text in ("no", "no thanks", "No, not really."):
        messages, events = run(
            ActionSmallTalk(), tracker(text, "deny", language="en", awaiting_answer="feedback")
        )
        offer = variation(DOMAIN, "utter_not_helped_offer_human", "en")["text"]
        assert _texts(messages) == [offer], text
        assert slot_events(events)["awaiting_answer"] == "offer_human"
