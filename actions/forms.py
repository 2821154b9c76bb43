"""What the forms share: recognising "no thanks" and whether a message answers the question."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import conversation_language
from actions.texts import say
from bot.contact import find_email
from bot.conversation import REQUESTED_SLOT, SLOT_RESTOCK_EMAIL, SLOT_RESTOCK_ITEM
from bot.declines import declines as says_no

RESTOCK_FORM = "restock_form"

# a request for a person, or "stop", is never taken as the answer to a form's question
LEAVING_INTENTS = ("stop", "request_human")


def latest_intent(tracker: Tracker) -> str | None:
    """The intent Rasa gave the latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def declines(tracker: Tracker) -> bool:
    """A "no" / "no thanks" where the form asked for something.

    Read from the text, not the intent: a mistyped address can be classified as ``deny``.
    """
    return says_no(tracker.latest_message.get("text") or "")


def form_answer(tracker: Tracker, recognised: bool) -> bool:
    """Whether the latest message answers the form's question: always when it holds what was
    asked for (an email address, a postal code), else unless it asks to leave or for a person."""
    return recognised or latest_intent(tracker) not in LEAVING_INTENTS


def read_email(
    value: object, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> str | None:
    """The email address in a form answer; without one, the shopper is asked again politely
    (their text quoted back, so a typo is easy to spot)."""
    email = find_email(str(value or ""))
    if email is None:
        shown = str(value or "").strip()[:80]
        say(dispatcher, domain, "utter_invalid_email", conversation_language(tracker), value=shown)
    return email


def leave_form(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    lang: str,
    form: str,
    response: str,
    slots: tuple[str, ...],
) -> list[EventType]:
    """Leave ``form`` if it is the active one, saying ``response`` and clearing ``slots``
    (the shopper asked something else and got the answer; else the form would ask its
    question again after every answer). Nothing when another form, or none, is active."""
    if tracker.active_loop_name != form:
        return []
    say(dispatcher, domain, response, lang)
    return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), *(SlotSet(s, None) for s in slots)]


def leave_restock_form(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, lang: str
) -> list[EventType]:
    """Leave the restock form (waiting for an email address), with a line that the email
    can still be asked for."""
    slots = (SLOT_RESTOCK_EMAIL, SLOT_RESTOCK_ITEM)
    response = "utter_restock_form_left_for_question"
    return leave_form(dispatcher, tracker, domain, lang, RESTOCK_FORM, response, slots)
