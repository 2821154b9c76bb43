"""Unit tests of the actions with a fake encoder; the real stack is in tests/integration."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionChooseFaq
from actions.handoff import ActionEscalate
from actions.language import ActionDetectLanguage, ActionSwitchLanguage
from actions.routing import ActionAnswerFaq
from actions.satisfaction import ActionAskSatisfaction, ActionStoreSatisfaction
from actions.texts import variation
from actions.yes_no import ActionReplyYesNo
from bot.faq.service import FaqService
from handoff.desk import Escalation, HandoffDesk
from tests.actions.conftest import DOMAIN, run, slot_events, tracker


def test_every_response_has_fi_sv_en() -> None:
    for name in DOMAIN["responses"]:
        texts = {lang: variation(DOMAIN, name, lang)["text"] for lang in ("fi", "sv", "en")}
        assert len(set(texts.values())) == 3, (name, texts)


def test_answers_in_the_conversation_language() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("Kauanko toimitus kestää?", language="fi"))
    assert [m["text"] for m in messages] == [
        "Toimitus kestää 1-3 arkipäivää.",
        variation(DOMAIN, "utter_did_that_help", "fi")["text"],
    ]
    assert slot_events(events)["awaiting_answer"] == "feedback"
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
    assert slot_events(events)["awaiting_answer"] == "offer_human"


def test_handoff_entries_offer_a_person() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("my product arrived broken", language="en"))
    assert messages[0]["text"] == "Send us a photo and we will replace it."
    assert messages[1]["text"] == variation(DOMAIN, "utter_offer_human", "en")["text"]
    assert slot_events(events)["awaiting_answer"] == "offer_human"
    assert slot_events(events)["escalation_reason"] == "handoff_entry"


def test_low_confidence_falls_back_then_offers_a_person() -> None:
    messages, events = run(ActionAnswerFaq(), tracker("zzzz qqqq", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_fallback", "en")["text"]
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    assert slot_events(events)["not_helped"] == 1
    messages, events = run(ActionAnswerFaq(), tracker("zzzz qqqq", language="en", not_helped=1))
    assert messages[0]["text"] == variation(DOMAIN, "utter_not_helped_offer_human", "en")["text"]
    assert slot_events(events)["awaiting_answer"] == "offer_human"
    assert slot_events(events)["escalation_reason"] == "not_helped"


def test_out_of_scope_with_close_faq_entries_offers_them() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("delivery?", intent="out_of_scope", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_clarify", "en")["text"]


def test_out_of_scope_intent_gets_the_out_of_scope_reply() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("zzzz qqqq", intent="out_of_scope", language="fi"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_out_of_scope", "fi")["text"]


def test_a_request_for_a_person_beats_the_faq(desk: HandoffDesk) -> None:
    messages, events = run(
        ActionAnswerFaq(), tracker("I want to talk to a person about delivery", language="en")
    )
    expected = variation(DOMAIN, "utter_handoff_queued", "en")["text"]
    assert messages[0]["text"] == expected.replace("{position}", "1").replace("{wait}", "3")
    assert slot_events(events)["handoff"] == "queued"
    assert {"event": "pause", "timestamp": None} in events
    [ticket] = desk.store.list_tickets()
    assert (ticket.reason, ticket.language, ticket.conversation_id) == (
        "explicit_request",
        "en",
        "test",
    )


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
    assert messages[0]["text"] == "Delivery takes 1-3 working days."
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


def test_a_yes_no_question_passed_over_is_forgotten() -> None:
    # "did that help?" then a new question: a "yes" two turns later must not answer the old one
    awaiting = {"language": "en", "awaiting_answer": "feedback"}
    _, events = run(ActionDetectLanguage(), tracker("what about returns?", "ask_faq", **awaiting))
    assert slot_events(events) == {"awaiting_answer": None}
    _, events = run(ActionDetectLanguage(), tracker("yes", "affirm", **awaiting))
    assert events == []


def test_a_question_misread_as_a_switch_is_answered_in_the_chosen_language() -> None:
    # the classifier filed a question under switch_language: it names no language, so answer it
    messages, events = run(
        ActionSwitchLanguage(), tracker("Hur lång är leveranstiden?", "switch_language")
    )
    assert slot_events(events)["language"] == "sv"
    switched = variation(DOMAIN, "utter_language_switched", "sv")["text"]
    shown = [m["text"] for m in messages]
    assert switched not in shown
    assert shown[-1] == variation(DOMAIN, "utter_did_that_help", "sv")["text"], shown
    assert slot_events(events)["last_faq_id"] == "delivery_time"


def test_yes_after_an_offer_escalates_with_the_offer_reason(desk: HandoffDesk) -> None:
    history = [
        {"event": "user", "text": "voiko vaihtaa", "parse_data": {"intent": {"name": "ask_faq"}}}
    ]
    messages, events = run(
        ActionReplyYesNo(),
        tracker(
            "joo",
            "affirm",
            events=history,
            language="fi",
            awaiting_answer="offer_human",
            escalation_reason="not_helped",
        ),
    )
    assert messages[0]["text"].startswith("Selvä, yhdistän sinut asiakaspalvelijalle.")
    assert slot_events(events)["handoff"] == "queued"
    [ticket] = desk.store.list_tickets()
    assert ticket.reason == "not_helped" and ticket.question == "voiko vaihtaa"
    assert [m.text for m in desk.store.messages(ticket.id)] == ["voiko vaihtaa"]


def test_feedback_yes_thanks_no_offers_a_person() -> None:
    messages, events = run(
        ActionReplyYesNo(), tracker("yes", "affirm", language="en", awaiting_answer="feedback")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_glad_to_help", "en")["text"]
    assert slot_events(events)["awaiting_answer"] is None
    messages, events = run(
        ActionReplyYesNo(), tracker("nej", "deny", language="sv", awaiting_answer="feedback")
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_not_helped_offer_human", "sv")["text"]
    assert slot_events(events)["awaiting_answer"] == "offer_human"


def test_yes_without_a_question_asks_what_else() -> None:
    messages, _ = run(ActionReplyYesNo(), tracker("yes", "affirm", language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_anything_else", "en")["text"]


def test_handoff_failure_gives_contacts_instead_of_a_dead_end(
    desk: HandoffDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handoff.errors import StorageError

    def broken(*_args: Any) -> None:
        raise StorageError("database is down")

    monkeypatch.setattr(desk, "escalate", broken)
    messages, events = run(ActionAnswerFaq(), tracker("haluan puhua ihmiselle", language="fi"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_handoff_unavailable", "fi")["text"]
    assert "handoff" not in slot_events(events)


def test_satisfaction_is_asked_once_per_conversation() -> None:
    messages, events = run(
        ActionAskSatisfaction(), tracker("tack, hej då", "goodbye", language="sv")
    )
    [question] = messages
    assert question["text"] == variation(DOMAIN, "utter_ask_satisfaction", "sv")["text"]
    assert [b["payload"] for b in question["buttons"]] == [
        '/rate{"rating":"up"}',
        '/rate{"rating":"down"}',
    ]
    assert question["language"] == "sv"
    assert slot_events(events) == {"satisfaction_asked": True}
    messages, events = run(
        ActionAskSatisfaction(), tracker("kiitos", "thanks", language="fi", satisfaction_asked=True)
    )
    assert messages == [] and events == []


def test_satisfaction_answer_is_stored_and_thanked() -> None:
    up = [{"entity": "rating", "value": "up"}]
    messages, events = run(ActionStoreSatisfaction(), tracker("", "rate", up, language="fi"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_rating_thanks_up", "fi")["text"]
    assert slot_events(events) == {"satisfaction": "up", "satisfaction_asked": True}
    down = [{"entity": "rating", "value": "down"}]
    messages, events = run(ActionStoreSatisfaction(), tracker("", "rate", down, language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_rating_thanks_down", "en")["text"]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]
    assert slot_events(events)["satisfaction"] == "down"
    odd = [{"entity": "rating", "value": "5 stars"}]
    messages, events = run(ActionStoreSatisfaction(), tracker("", "rate", odd, language="en"))
    assert messages[0]["text"] == variation(DOMAIN, "utter_anything_else", "en")["text"]
    assert events == []


def test_messages_tell_the_widget_language_and_handoff_state() -> None:
    messages, _ = run(ActionAnswerFaq(), tracker("haluan puhua ihmiselle", language="fi"))
    assert (messages[0]["language"], messages[0]["handoff"]) == ("fi", "queued")
    messages, _ = run(ActionAnswerFaq(), tracker("Hur lång är leveranstiden?", language="sv"))
    assert messages[0]["text"] == "Leveransen tar 1-3 vardagar."
    assert messages[0]["language"] == "sv" and "handoff" not in messages[0]


def test_first_message_without_clues_takes_the_chat_windows_language() -> None:
    def first(text: str, metadata: dict[str, Any]) -> Tracker:
        return tracker(
            text, "affirm", events=[{"event": "user", "text": text, "metadata": metadata}]
        )

    _, events = run(ActionDetectLanguage(), first("ok", {"language": "sv"}))
    assert slot_events(events) == {"language": "sv"}
    _, events = run(ActionDetectLanguage(), first("ok", {"language": "de"}))
    assert slot_events(events) == {"language": "fi"}  # faqbot.yml's default_language
    _, events = run(ActionDetectLanguage(), first("do you deliver to Norway?", {"language": "sv"}))
    assert slot_events(events) == {"language": "en"}  # what the shopper writes wins


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_over_the_flood_limit_the_shopper_gets_our_contacts(desk: HandoffDesk, lang: str) -> None:
    limits = desk.settings.limits.model_copy(update={"burst_tickets": 1})
    desk.settings = desk.settings.model_copy(update={"limits": limits})
    desk.escalate(Escalation("first", "socketio", "fi", "explicit_request"))
    messages, events = run(
        ActionEscalate(), tracker("/request_human", "request_human", language=lang)
    )
    assert messages[0]["text"] == variation(DOMAIN, "utter_handoff_unavailable", lang)["text"]
    assert "handoff" not in slot_events(events)
    assert [t.conversation_id for t in desk.store.list_tickets()] == ["first"]


def test_language_detection_leaves_the_event_loop_free(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection runs in a thread: other shoppers' turns go on meanwhile (the loop is free)."""
    from actions import language as language_action

    loop_ran = threading.Event()
    real_choose = language_action.language.choose_language

    def choose_while_the_loop_runs(*args: Any) -> str:
        assert loop_ran.wait(10), "the event loop was blocked while the language was detected"
        return real_choose(*args)

    monkeypatch.setattr(language_action.language, "choose_language", choose_while_the_loop_runs)

    async def both() -> list[dict[str, Any]]:
        async def another_turn() -> None:
            loop_ran.set()

        result = ActionDetectLanguage().run(
            CollectingDispatcher(), tracker("Hur lång är leveranstiden?", language="fi"), DOMAIN
        )
        other = asyncio.ensure_future(another_turn())
        events = await result if asyncio.iscoroutine(result) else result
        await other
        return list(events)

    assert slot_events(asyncio.run(both())) == {"language": "sv"}


def test_the_answering_action_chooses_the_language_itself() -> None:
    # no action_detect_language before it any more: one round trip to the action server a turn
    messages, events = run(ActionAnswerFaq(), tracker("Hur lång är leveranstiden?", language="fi"))
    assert events[0] == {"event": "slot", "timestamp": None, "name": "language", "value": "sv"}
    assert messages[0]["text"] == "Leveransen tar 1-3 vardagar."


def test_the_answering_action_forgets_a_passed_over_question_first() -> None:
    awaiting = {"language": "en", "awaiting_answer": "feedback"}
    _, events = run(ActionAnswerFaq(), tracker("how long does delivery take?", **awaiting))
    forget = {"event": "slot", "timestamp": None, "name": "awaiting_answer", "value": None}
    assert events[0] == forget
    assert slot_events(events)["awaiting_answer"] == "feedback"  # set again by the new answer


def test_a_person_asked_for_under_another_intent_escalates_before_small_talk() -> None:
    from actions.small_talk import ActionSmallTalk

    messages, events = run(
        ActionSmallTalk(), tracker("hej, finns det en riktig person där", "greet", language="sv")
    )
    assert messages == []
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_escalate"}


def test_the_action_server_registers_every_action_but_the_abstract_one() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")  # raised "An action must implement a name" before
    assert {"action_answer_faq", "action_small_talk", "action_detect_language"} <= set(
        executor.actions
    )
